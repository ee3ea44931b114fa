from __future__ import annotations

import pytest

from bot import messages
from bot.commands import ParseContext
from bot.web.draw_form import DrawForm, keep_out_option, understand
from bot.web.errors import FormError
from generator.request import WeightedPrompt

CONTEXT = ParseContext(direct=True)
BLURRY = WeightedPrompt("ภาพเบลอ", 0.4)


def negatives(form: DrawForm) -> list[tuple[str, float]]:
    parsed, _ = understand(form, CONTEXT)
    return [(negative.text, negative.weight) for negative in parsed.request.negatives]


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
        "คฤหาสน์ --style ภาพสวย --style ภาพ 3 มิติ --steps 30 --size 128x128"
    )


def test_the_keep_out_field_is_the_pictures_negative() -> None:
    assert negatives(DrawForm(text="คฤหาสน์", negative="ภาพเบลอ")) == [("ภาพเบลอ", 0.4)]
    assert negatives(DrawForm(text="คฤหาสน์", negative="หมา | ภาพมืด:0.8")) == [
        ("หมา", 0.4),
        ("ภาพมืด", 0.8),
    ]


def test_a_negative_typed_in_the_box_and_the_same_in_the_field_is_one_negative() -> None:
    form = DrawForm(text="คฤหาสน์ --neg ภาพเบลอ", negative="ภาพเบลอ")
    assert negatives(form) == [("ภาพเบลอ", 0.4)]
    assert understand(form, CONTEXT)[1] == "/วาด คฤหาสน์ --neg ภาพเบลอ"


def test_a_typed_negative_and_a_different_field_are_both_kept() -> None:
    form = DrawForm(text="แมว --neg หมา", negative="ภาพเบลอ")
    assert negatives(form) == [("หมา", 0.4), ("ภาพเบลอ", 0.4)]


def test_an_emptied_field_and_no_typed_negative_draw_without_any_negative() -> None:
    assert negatives(DrawForm(text="แมว", negative="  ")) == []
    assert negatives(DrawForm(text="แมว --neg หมา", negative="")) == [("หมา", 0.4)]


def typed(*texts: str) -> tuple[WeightedPrompt, ...]:
    """The negatives a box named itself."""
    return tuple(WeightedPrompt(text, 0.4) for text in texts)


@pytest.mark.parametrize(
    ("field", "box", "words"),
    [
        ("ภาพเบลอ", typed(), None),  # the default as it came: the request's own default stands
        ("ภาพเบลอ", typed("ภาพเบลอ"), None),  # typed once: no repeat
        ("", typed(), "ไม่มี"),  # emptied: no negative, not the default
        ("   ", typed(), "ไม่มี"),
        ("", typed("ภาพเบลอ"), None),  # emptied, but the box names its own
        ("หมา", typed(), "หมา"),  # a negative of one's own replaces the default
        ("ภาพเบลอ:0.8", typed(), "ภาพเบลอ:0.8"),
        ("ภาพเบลอ | หมา", typed("หมา", "แมวดำ"), "ภาพเบลอ"),
        ("", typed("หมา", "แมวดำ"), None),
    ],
)
def test_the_field_adds_only_what_the_box_lacks(
    field: str, box: tuple[WeightedPrompt, ...], words: str | None
) -> None:
    assert keep_out_option(field, box) == words


def test_a_caller_that_sends_no_keep_out_field_gets_the_default_negative() -> None:
    assert negatives(DrawForm(text="แมว")) == [("ภาพเบลอ", 0.4)]


def test_a_box_that_says_no_negative_and_the_default_field_draw_without_any() -> None:
    assert negatives(DrawForm(text="แมว --neg ไม่มี", negative="ภาพเบลอ")) == []


def test_a_typed_negative_and_an_emptied_field_keep_the_typed_one_and_say_nothing_more() -> None:
    form = DrawForm(text="คฤหาสน์ --neg ภาพเบลอ --steps 5", negative="")
    assert negatives(form) == [("ภาพเบลอ", 0.4)]
    assert understand(form, CONTEXT)[1] == "/วาด คฤหาสน์ --neg ภาพเบลอ --steps 5"


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
