from __future__ import annotations

import re

from bot.web.messages import ENGLISH, THAI


def test_every_text_exists_in_thai_and_english_with_the_same_placeholders() -> None:
    assert THAI.keys() == ENGLISH.keys()
    for key, thai in THAI.items():
        assert set(re.findall(r"\{\w+\}", thai)) == set(re.findall(r"\{\w+\}", ENGLISH[key])), key
