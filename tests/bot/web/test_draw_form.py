from __future__ import annotations

import pytest

from bot import messages
from bot.commands import ParseContext
from bot.web.draw_form import DrawForm, understand
from bot.web.errors import FormError

CONTEXT = ParseContext(direct=True)


def test_the_fields_follow_the_box_as_chat_options() -> None:
    form = DrawForm(
        text=" คฤหาสน์ ",
        negative="ภาพเบลอ",
        styles=("ภาพสวย", "ภาพ 3 มิติ"),
        steps="30",
        size="128x128",
        seed="",
    )
    assert form.command_text() == (
        "คฤหาสน์ --neg ภาพเบลอ --style ภาพสวย --style ภาพ 3 มิติ --steps 30 --size 128x128"
    )


def test_plain_words_are_a_picture_to_draw() -> None:
    parsed, text = understand(DrawForm(text="คฤหาสน์ --neg ภาพเบลอ --steps 5"), CONTEXT)
    assert text == "/วาด คฤหาสน์ --neg ภาพเบลอ --steps 5"
    assert parsed.command == "draw"
    assert [p.text for p in parsed.request.prompts] == ["คฤหาสน์"]
    assert [p.text for p in parsed.request.negatives] == ["ภาพเบลอ"]
    assert parsed.request.steps == 5


def test_chat_commands_work_without_a_mention_as_in_a_one_to_one_chat() -> None:
    assert understand(DrawForm(text="/วาด แมว"), CONTEXT)[0].command == "draw"
    assert understand(DrawForm(text="สไตล์"), CONTEXT)[0].command == "styles"
    assert understand(DrawForm(text="/help"), CONTEXT)[0].command == "help"


def test_a_refusal_is_the_command_languages_thai_sentence() -> None:
    parsed, _ = understand(DrawForm(text="แมว", steps="ห้า"), CONTEXT)
    assert parsed.error == messages.not_an_integer("--steps", "ห้า", "--steps 250").thai


def test_numbers_may_come_as_json_numbers() -> None:
    form = DrawForm.from_json({"text": "แมว", "steps": 12, "seed": 0, "styles": []})
    assert (form.steps, form.seed) == ("12", "0")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (["แมว"], "body"),
        ({}, "text"),
        ({"text": ["แมว"]}, "text"),
        ({"text": "แมว", "styles": "ภาพสวย"}, "styles"),
        ({"text": "แมว", "styles": [1]}, "styles"),
        ({"text": "แมว", "steps": True}, "steps"),
        ({"text": "แมว", "negative": "x" * 6000}, "negative"),
    ],
)
def test_fields_the_page_never_sends_are_refused_by_name(body: object, field: str) -> None:
    with pytest.raises(FormError) as refused:
        DrawForm.from_json(body)
    assert refused.value.field == field
