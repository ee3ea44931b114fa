"""What a message quotes of the user's own words."""

from __future__ import annotations

from generator.excerpt import QUOTED_CHARS, excerpt


def test_short_text_is_quoted_whole() -> None:
    assert excerpt("แมว") == "แมว"
    assert excerpt("ก" * QUOTED_CHARS) == "ก" * QUOTED_CHARS


def test_long_text_is_cut_to_the_limit_with_an_ellipsis() -> None:
    quoted = excerpt("ก" * 100_000)
    assert quoted == "ก" * (QUOTED_CHARS - 1) + "…"
    assert len(quoted) == QUOTED_CHARS


def test_the_cut_never_separates_a_letter_from_its_marks() -> None:
    text = "ก" * (QUOTED_CHARS - 2) + "น\u0e49\u0e33" + "ข" * 10  # น้ำ: a letter and two marks
    assert excerpt(text) == "ก" * (QUOTED_CHARS - 2) + "…"


def test_spaces_before_the_ellipsis_are_dropped() -> None:
    assert excerpt("ก" * (QUOTED_CHARS - 2) + "  ข" * 10) == "ก" * (QUOTED_CHARS - 2) + "…"
