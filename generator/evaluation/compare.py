"""`thaidraw eval --vary FIELD=V1,V2`: the same prompts and seeds drawn under each value, the
figures side by side, and a verdict that counts a difference only when it exceeds its noise."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from generator.evaluation.report import figure
from generator.evaluation.run import PromptResult
from generator.evaluation.summary import GroupSummary
from generator.evaluation.tables import text_table
from generator.request import AUGMENTS
from generator.settings import PRECISION_SETTINGS

# What may vary, and how its values are read. `precision` is the engine's; the rest are fields
# of every request.
VARIABLE_FIELDS: dict[str, Callable[[str], object]] = {
    "augment": str,
    "precision": str,
    "steps": int,
    "cutn": int,
    "aesthetic_weight": float,
    "negative_weight": float,
}
CHOICES: dict[str, tuple[str, ...]] = {"augment": AUGMENTS, "precision": PRECISION_SETTINGS}
# A difference in mean counts when it exceeds this many standard errors of the paired
# differences (same prompt, same seed) — about 95 % two-sided.
SIGNIFICANT_ERRORS = 2.0


class VaryError(ValueError):
    """A `--vary` that cannot be read (the message is one line)."""


@dataclass(frozen=True)
class Variation:
    field: str
    values: tuple[object, ...]

    def label(self, value: object) -> str:
        return f"{self.field}={value}"


def parse_vary(text: str) -> Variation:
    """`augment=original,sharp` → Variation('augment', ('original', 'sharp'))."""
    field, equals, listed = text.partition("=")
    field = field.strip().replace("-", "_")
    if not equals or field not in VARIABLE_FIELDS:
        raise VaryError(
            f"--vary takes FIELD=V1,V2 with FIELD one of {', '.join(VARIABLE_FIELDS)}, "
            f"e.g. --vary augment=original,sharp (got {text!r})"
        )
    words = [word.strip() for word in listed.split(",") if word.strip()]
    if len(words) < 2 or len(set(words)) != len(words):
        raise VaryError(f"--vary {field} needs two or more different values, e.g. {field}=A,B")
    choices = CHOICES.get(field)
    if choices is not None and (unknown := [w for w in words if w not in choices]):
        raise VaryError(f"--vary {field}: {unknown[0]!r} is not one of {', '.join(choices)}")
    try:
        values = tuple(VARIABLE_FIELDS[field](word) for word in words)
    except ValueError:
        raise VaryError(f"--vary {field}: the values must be numbers (got {listed!r})") from None
    return Variation(field, values)


@dataclass(frozen=True)
class Difference:
    """One figure of two values compared picture by picture (same prompt and seed)."""

    measure: str
    mean: float  # mean of (first − second)
    standard_error: float
    pairs: int

    @property
    def significant(self) -> bool:
        return self.pairs > 1 and abs(self.mean) > SIGNIFICANT_ERRORS * self.standard_error


def paired_difference(
    measure: str, first: Sequence[PromptResult], second: Sequence[PromptResult]
) -> Difference | None:
    """`measure` (clip_gloss, clip_prompt or aesthetic) of `first` minus `second`, paired by
    prompt and seed; None where the figure is missing."""
    pairs = []
    for one, other in zip(first, second, strict=True):
        theirs = {picture.seed: picture for picture in other.pictures}
        for picture in one.pictures:
            a = getattr(picture.scores, measure)
            b = getattr(theirs[picture.seed].scores, measure)
            if a is not None and b is not None:
                pairs.append(a - b)
    if not pairs:
        return None
    spread = statistics.stdev(pairs) if len(pairs) > 1 else math.inf
    return Difference(measure, statistics.fmean(pairs), spread / math.sqrt(len(pairs)), len(pairs))


def comparison_table(variation: Variation, summaries: Sequence[GroupSummary]) -> str:
    """One row per value: its figures over all prompts."""
    return text_table(
        (variation.field, "pictures", "CLIP th", "CLIP en", "aesthetic", "diversity"),
        [
            (
                str(value),
                str(row.pictures),
                figure(row.clip_prompt, 3),
                figure(row.clip_gloss, 3),
                figure(row.aesthetic, 2),
                figure(row.diversity, 3),
            )
            for value, row in zip(variation.values, summaries, strict=True)
        ],
    )


def verdict(
    variation: Variation,
    summaries: Sequence[GroupSummary],
    results: Sequence[Sequence[PromptResult]],
) -> str:
    """One line: which value scores best on the independent CLIP score (the English gloss read
    by OpenAI CLIP; the Thai one where there are no glosses), and whether that is beyond noise."""
    measure = (
        "clip_gloss" if all(row.clip_gloss is not None for row in summaries) else "clip_prompt"
    )
    name = "CLIP en" if measure == "clip_gloss" else "CLIP th"
    ranked = sorted(
        range(len(summaries)), key=lambda i: getattr(summaries[i], measure), reverse=True
    )
    best, runner_up = ranked[0], ranked[1]
    difference = paired_difference(measure, results[best], results[runner_up])
    best_label, other_label = (variation.label(variation.values[i]) for i in (best, runner_up))
    if difference is None or not difference.significant:
        error = "" if difference is None else f" ± {difference.standard_error:.4f}"
        gap = 0.0 if difference is None else difference.mean
        return (
            f"verdict: no clear difference in {name} between {best_label} and {other_label} "
            f"({gap:+.4f}{error} over {0 if difference is None else difference.pairs} pictures); "
            "draw more prompts or seeds to decide"
        )
    aesthetic = paired_difference("aesthetic", results[best], results[runner_up])
    aesthetic_note = "" if aesthetic is None else f"; aesthetic {aesthetic.mean:+.3f}"
    return (
        f"verdict: {best_label} is better in {name} than {other_label} by "
        f"{difference.mean:+.4f} ± {difference.standard_error:.4f} over {difference.pairs} "
        f"pictures{aesthetic_note}"
    )
