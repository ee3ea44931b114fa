"""A stored request written back as the chat command that draws it again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from generator.request import DEFAULT_AESTHETIC_WEIGHT, DEFAULT_NEGATIVE_WEIGHT, NO_NEGATIVE_WORD

# The names the models give themselves (generator/models) → the names people know them by.
MODEL_NAMES = {
    "taming-vqgan-f16-16384": "VQGAN ImageNet f16 16384",
    "clip-vit-base-patch32": "CLIP ViT-B/32",
    "thclip-text_MSE_2m": "ThCLIP (WangchanBERTa)",
    "thclip-student": "ThCLIP (trained here)",
    "mclip-xlm-roberta-large-vit-b-32": "M-CLIP (XLM-R Large)",
    "sa_0_4_vit_b_32_linear": "LAION aesthetic predictor",
}
MODEL_ROLES = ("text_encoder", "vqgan", "image_encoder", "aesthetic")  # in the order they act
SMOKE_MODELS = "smoke"  # the page says in its own words what the tiny test models are


def number(value: float) -> str:
    """A weight as people write it: 0.4, 1, 0.005."""
    return f"{value:.10g}"


def weighted_texts(prompts: Iterable[Mapping[str, Any]], usual_weight: float) -> str:
    """`text | text:weight`: a weight is written only where it differs from the usual one."""
    return " | ".join(
        prompt["text"]
        if prompt["weight"] == usual_weight
        else f"{prompt['text']}:{number(prompt['weight'])}"
        for prompt in prompts
    )


def prompt_text(request: Mapping[str, Any]) -> str:
    return weighted_texts(request.get("prompts", ()), 1.0)


def negative_text(request: Mapping[str, Any]) -> str:
    usual = request.get("negative_weight", DEFAULT_NEGATIVE_WEIGHT)
    return weighted_texts(request.get("negatives", ()), usual)


def recipe_command(request: Mapping[str, Any]) -> str:
    """`/วาด คฤหาสน์ --neg ภาพเบลอ --style ภาพสวย --steps 250 --size 256x256 --seed 42`.

    Starting pictures cannot be written in a command and are left out.
    """
    # Always written: without `--neg` the command would get the default negative prompt.
    words = ["/วาด", prompt_text(request), "--neg", negative_text(request) or NO_NEGATIVE_WORD]
    for style in request.get("styles", ()):
        words += ["--style", style]
    words += ["--steps", str(request["steps"]), "--size", f"{request['width']}x{request['height']}"]
    if request.get("seed") is not None:
        words += ["--seed", str(request["seed"])]
    aesthetic = request.get("aesthetic_weight", DEFAULT_AESTHETIC_WEIGHT)
    if aesthetic != DEFAULT_AESTHETIC_WEIGHT:
        words += ["--aesthetic", number(aesthetic)]
    negative_weight = request.get("negative_weight", DEFAULT_NEGATIVE_WEIGHT)
    if negative_weight != DEFAULT_NEGATIVE_WEIGHT:
        words += ["--neg-weight", number(negative_weight)]
    return " ".join(words)


def model_names(versions: Mapping[str, Any]) -> list[str]:
    """The models behind a picture as people know them; `["smoke"]` for the tiny test models."""
    if versions.get("kind") == SMOKE_MODELS:
        return [SMOKE_MODELS]
    names = (str(versions[role]) for role in MODEL_ROLES if versions.get(role))
    return [MODEL_NAMES.get(name, name) for name in names]
