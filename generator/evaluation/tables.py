"""Aligned text tables for the terminal, where Thai vowel and tone marks take no column."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

_ZERO_WIDTH_CATEGORIES = ("Mn", "Me", "Cf")  # combining marks (Thai vowels, tones), formats


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The first column left-aligned (names), the others right-aligned (figures)."""
    lines = [list(headers), *(list(row) for row in rows)]
    widths = [max(screen_width(line[column]) for line in lines) for column in range(len(headers))]
    return "\n".join(
        "  ".join(
            _pad(cell, width, right=column > 0)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    )


def screen_width(text: str) -> int:
    """Terminal columns `text` takes: combining marks none, wide characters two."""
    return sum(
        0
        if unicodedata.category(character) in _ZERO_WIDTH_CATEGORIES
        else 2
        if unicodedata.east_asian_width(character) in ("W", "F")
        else 1
        for character in text
    )


def _pad(text: str, width: int, *, right: bool) -> str:
    padding = " " * (width - screen_width(text))
    return padding + text if right else text + padding
