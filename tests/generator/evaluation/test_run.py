"""Drawing prompts × seeds in the colour world, where a prompt names the colour to paint."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from generator.engine import Engine
from generator.evaluation.prompts import EvalPrompt
from generator.evaluation.run import evaluate_prompts
from generator.evaluation.scoring import PictureScorer
from generator.pictures import read_recipe
from generator.request import DrawRequest, RequestLimits, build_request
from tests.generator.colour_world import colour_bundle

CPU = torch.device("cpu")


def requests(text: str, seeds: list[int]) -> list[DrawRequest]:
    return [
        # The colour world knows only colour words, not the default negative (ภาพเบลอ).
        build_request(
            text,
            RequestLimits(),
            negatives=["ไม่มี"],
            steps=30,
            width=64,
            height=64,
            seed=seed,
            cutn=2,
        )
        for seed in seeds
    ]


def test_every_seed_of_every_prompt_is_drawn_saved_and_scored(tmp_path: Path) -> None:
    bundle = colour_bundle()
    prompts = [EvalPrompt("แดง", None, "short"), EvalPrompt("เขียว", None, "short")]
    pictures_done = []

    results = evaluate_prompts(
        Engine(bundle, CPU),
        PictureScorer(bundle, CPU),
        [(prompt, requests(prompt.thai, [4, 5, 6])) for prompt in prompts],
        tmp_path,
        batch_size=2,
        on_picture=lambda: pictures_done.append(1),
    )

    assert len(pictures_done) == 6
    assert [result.prompt for result in results] == prompts
    for result in results:
        assert [picture.seed for picture in result.pictures] == [4, 5, 6]
        assert result.diversity is not None
        for picture in result.pictures:
            assert read_recipe(tmp_path / picture.file)["seed"] == picture.seed
            with Image.open(tmp_path / picture.file) as image:
                assert image.size == (64, 64)
            # The loop painted the colour the prompt names, and the score says so.
            assert picture.scores.clip_prompt > 0.5
    assert results[0].pictures[0].file == "images/prompt001-seed4.png"
