"""How the page names a job to a person: by its prompt, shortened."""

from __future__ import annotations

import unicodedata

import pytest

from bot.web.views import shorten


def test_a_short_prompt_is_shown_whole() -> None:
    assert shorten("คฤหาสน์ แฟนตาซี") == "คฤหาสน์ แฟนตาซี"


def test_a_long_prompt_is_cut_at_a_word() -> None:
    prompt = "คฤหาสน์ แฮรี่พอตเตอร์ ยามค่ำคืน ท่ามกลางหิมะ และแสงจันทร์"
    assert shorten(prompt) == "คฤหาสน์ แฮรี่พอตเตอร์…"
    assert shorten(prompt, 40) == "คฤหาสน์ แฮรี่พอตเตอร์ ยามค่ำคืน…"


@pytest.mark.parametrize("limit", range(3, 12))
def test_a_cut_inside_a_word_keeps_each_letter_with_its_marks(limit: int) -> None:
    shortened = shorten("ที่นี่มีน้ำใสสะอาดที่สุดในโลก", limit)
    assert shortened.endswith("…")
    assert len(shortened) <= limit + 1
    # The next character of the prompt is never a vowel or tone mark left behind.
    cut = shortened.removesuffix("…")
    assert "ที่นี่มีน้ำใสสะอาดที่สุดในโลก".startswith(cut)
    assert unicodedata.category("ที่นี่มีน้ำใสสะอาดที่สุดในโลก"[len(cut)]) != "Mn"
