from __future__ import annotations

import pytest

from generator.evaluation.prompts import EvalPrompt
from generator.evaluation.run import PictureResult, PromptResult
from generator.evaluation.scoring import PictureScores
from generator.evaluation.summary import summarise


def result(length: str, clip: list[float], diversity: float | None, gloss=None) -> PromptResult:
    pictures = tuple(
        PictureResult(seed, f"images/{seed}.png", PictureScores(score, gloss, 5.0), 1.0)
        for seed, score in enumerate(clip)
    )
    return PromptResult(EvalPrompt("แมว", None, length), pictures, diversity)


def test_short_and_long_prompts_are_summarised_apart_and_together() -> None:
    short, long_, all_ = summarise(
        [result("short", [0.2, 0.4], 0.1), result("long", [0.6], None), result("short", [0.3], 0.3)]
    )
    assert (short.group, short.prompts, short.pictures) == ("short", 2, 3)
    assert short.clip_prompt == pytest.approx(0.3)  # a mean over pictures
    assert short.diversity == pytest.approx(0.2)  # a mean over prompts
    assert (long_.group, long_.pictures, long_.diversity) == ("long", 1, None)
    assert (all_.group, all_.prompts, all_.pictures) == ("all", 3, 4)
    assert all_.clip_prompt == pytest.approx(0.375)
    assert all_.clip_gloss is None


def test_a_length_without_prompts_has_no_row() -> None:
    rows = summarise([result("long", [0.5], 0.2, gloss=0.25)])
    assert [row.group for row in rows] == ["long", "all"]
    assert rows[1].clip_gloss == pytest.approx(0.25)
