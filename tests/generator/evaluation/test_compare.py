"""`--vary`: reading it, pairing pictures by prompt and seed, and a verdict that respects noise."""

from __future__ import annotations

import pytest

from generator.evaluation.compare import (
    Variation,
    VaryError,
    comparison_table,
    paired_difference,
    parse_vary,
    verdict,
)
from generator.evaluation.prompts import EvalPrompt
from generator.evaluation.run import PictureResult, PromptResult
from generator.evaluation.scoring import PictureScores
from generator.evaluation.summary import summarise

PROMPT = EvalPrompt(thai="แมว", english="a cat", length="short")


def results(gloss_scores: list[float]) -> list[PromptResult]:
    pictures = tuple(
        PictureResult(seed, f"{seed}.png", PictureScores(0.3, score, 5.0), 1.0)
        for seed, score in enumerate(gloss_scores)
    )
    return [PromptResult(PROMPT, pictures, 0.2)]


def test_vary_reads_a_field_and_its_values():
    assert parse_vary("augment=original,sharp") == Variation("augment", ("original", "sharp"))
    assert parse_vary("steps=50, 100") == Variation("steps", (50, 100))
    assert parse_vary("aesthetic-weight=0,0.01") == Variation("aesthetic_weight", (0.0, 0.01))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("colour=red,blue", "FIELD one of augment"),
        ("augment", "FIELD=V1,V2"),
        ("augment=original", "two or more different values"),
        ("augment=original,original", "two or more different values"),
        ("augment=original,blurry", "'blurry' is not one of original, sharp"),
        ("precision=fp32,fp16", "'fp16' is not one of auto, fp32, bf16"),
        ("steps=50,many", "must be numbers"),
    ],
)
def test_a_vary_that_cannot_be_read_is_one_clear_line(text, says):
    with pytest.raises(VaryError, match=says):
        parse_vary(text)


def test_pictures_are_compared_with_the_same_seed_under_the_other_value():
    difference = paired_difference(
        "clip_gloss", results([0.30, 0.32, 0.34]), results([0.29, 0.31, 0.33])
    )
    assert difference is not None
    assert difference.pairs == 3
    assert difference.mean == pytest.approx(0.01)
    assert difference.standard_error == pytest.approx(0.0, abs=1e-12)
    assert difference.significant


def test_the_verdict_names_the_better_value_when_the_gap_exceeds_the_noise():
    variation = Variation("augment", ("original", "sharp"))
    original, sharp = results([0.30, 0.32, 0.34, 0.31]), results([0.27, 0.30, 0.31, 0.29])
    summaries = [summarise(original)[-1], summarise(sharp)[-1]]
    line = verdict(variation, summaries, [original, sharp])
    assert line.startswith("verdict: augment=original is better in CLIP en than augment=sharp")
    assert "over 4 pictures" in line


def test_the_verdict_says_no_clear_difference_within_the_noise():
    variation = Variation("augment", ("original", "sharp"))
    original, sharp = results([0.30, 0.25, 0.34, 0.28]), results([0.28, 0.29, 0.31, 0.29])
    summaries = [summarise(original)[-1], summarise(sharp)[-1]]
    line = verdict(variation, summaries, [original, sharp])
    assert line.startswith("verdict: no clear difference in CLIP en")


def test_the_table_has_one_row_per_value():
    variation = Variation("augment", ("original", "sharp"))
    summaries = [summarise(results([0.3]))[-1], summarise(results([0.2]))[-1]]
    lines = comparison_table(variation, summaries).splitlines()
    assert lines[0].split() == [
        "augment", "pictures", "CLIP", "th", "CLIP", "en", "aesthetic", "diversity",
    ]  # fmt: skip
    assert [line.split()[:4] for line in lines[1:]] == [
        ["original", "1", "0.300", "0.300"],
        ["sharp", "1", "0.300", "0.200"],
    ]
