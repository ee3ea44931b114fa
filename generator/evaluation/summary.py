"""The figures of many prompts folded into short, long and all."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.evaluation.prompts import LENGTHS
from generator.evaluation.run import PromptResult


@dataclass(frozen=True)
class GroupSummary:
    """Means over a group's pictures (CLIP and aesthetic scores) and prompts (diversity)."""

    group: str
    prompts: int
    pictures: int
    clip_prompt: float | None
    clip_gloss: float | None
    aesthetic: float | None
    diversity: float | None


def summarise(results: Sequence[PromptResult]) -> list[GroupSummary]:
    """One row for each prompt length present, then one for all prompts."""
    groups = [(length, [r for r in results if r.prompt.length == length]) for length in LENGTHS]
    return [
        _summary(name, members)
        for name, members in [*groups, ("all", list(results))]
        if members or name == "all"
    ]


def _summary(name: str, results: list[PromptResult]) -> GroupSummary:
    pictures = [picture for result in results for picture in result.pictures]
    return GroupSummary(
        group=name,
        prompts=len(results),
        pictures=len(pictures),
        clip_prompt=_mean(picture.scores.clip_prompt for picture in pictures),
        clip_gloss=_mean(picture.scores.clip_gloss for picture in pictures),
        aesthetic=_mean(picture.scores.aesthetic for picture in pictures),
        diversity=_mean(result.diversity for result in results),
    )


def _mean(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.fmean(present) if present else None
