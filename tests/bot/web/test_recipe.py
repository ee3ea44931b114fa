from __future__ import annotations

import pytest

from bot.commands import ParseContext, parse_message
from bot.web.recipe import recipe_command
from generator.request import DrawRequest, WeightedPrompt


def request(**fields) -> DrawRequest:
    fields.setdefault("prompts", (WeightedPrompt("คฤหาสน์ แฟนตาซี", 1.0),))
    return DrawRequest(**fields)


def test_a_request_is_written_as_the_chat_command_people_would_type() -> None:
    written = recipe_command(
        request(
            negatives=(WeightedPrompt("ภาพเบลอ", 0.4),),
            styles=("ภาพสวย", "ภาพ 3 มิติ"),
            steps=250,
            width=256,
            height=192,
            seed=42,
        ).to_dict()
    )
    assert written == (
        "/วาด คฤหาสน์ แฟนตาซี --neg ภาพเบลอ --style ภาพสวย --style ภาพ 3 มิติ "
        "--steps 250 --size 256x192 --seed 42"
    )


@pytest.mark.parametrize(
    "drawn",
    [
        request(seed=7),
        request(
            prompts=(WeightedPrompt("คฤหาสน์", 1.0), WeightedPrompt("ทะเล", 0.5)),
            negatives=(WeightedPrompt("ภาพเบลอ", 0.4), WeightedPrompt("คน", 0.9)),
            seed=1,
        ),
        request(styles=("1990",), steps=30, width=128, height=128, seed=3, aesthetic_weight=0.02),
        request(negatives=(WeightedPrompt("ภาพมืด", 0.25),), negative_weight=0.25, seed=5),
    ],
)
def test_the_command_draws_the_same_request_again(drawn: DrawRequest) -> None:
    parsed = parse_message(recipe_command(drawn.to_dict()), ParseContext())
    assert parsed.error is None
    assert parsed.request == drawn


def test_a_request_without_a_seed_is_written_without_one() -> None:
    assert "--seed" not in recipe_command(request().to_dict())
