from __future__ import annotations

import pytest

from bot.commands import ParseContext, parse_message
from bot.web.recipe import model_names, recipe_command
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


def test_the_models_are_named_as_people_know_them_not_by_internal_ids() -> None:
    versions = {
        "kind": "real",
        "vqgan": "taming-vqgan-f16-16384",
        "image_encoder": "clip-vit-base-patch32",
        "text_encoder": "thclip-text_MSE_2m",
        "aesthetic": "sa_0_4_vit_b_32_linear",
    }
    assert model_names(versions) == [
        "ThCLIP (WangchanBERTa)",
        "VQGAN ImageNet f16 16384",
        "CLIP ViT-B/32",
        "LAION aesthetic predictor",
    ]


def test_a_model_without_a_known_name_keeps_its_own() -> None:
    versions = {"kind": "real", "text_encoder": "th-mean-v2", "vqgan": "taming-vqgan-f16-16384"}
    assert model_names(versions) == ["th-mean-v2", "VQGAN ImageNet f16 16384"]


def test_the_tiny_test_models_are_one_name_the_page_words_itself() -> None:
    assert model_names({"kind": "smoke", "vqgan": "taming-vqgan-f16-64"}) == ["smoke"]
