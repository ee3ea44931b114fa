"""Style names as people write them, in Thai and in English."""

from __future__ import annotations

import pytest

from generator.styles import STYLE_ENGLISH, STYLE_PRESETS, find_style, style_names


@pytest.mark.parametrize(
    ("name", "preset"),
    [
        ("ภาพสีน้ำ", "ภาพสีน้ำ"),
        ("สีน้ำ", "ภาพสีน้ำ"),  # without "ภาพ"
        ("watercolour", "ภาพสีน้ำ"),
        ("watercolor", "ภาพสีน้ำ"),
        ("Water Color", "ภาพสีน้ำ"),
        ("water-colour", "ภาพสีน้ำ"),
        ("ภาพ 3 มิติ", "ภาพ 3 มิติ"),
        ("3มิติ", "ภาพ 3 มิติ"),
        ("3-D", "ภาพ 3 มิติ"),
        ("childs drawing", "ภาพวาดโดยเด็ก"),
        ("child’s drawing", "ภาพวาดโดยเด็ก"),
        ("high-quality", "ภาพคุณภาพสูง"),
        ("HQ", "ภาพคุณภาพสูง"),
        ("pencil", "ภาพวาดด้วยดินสอ"),
        ("1990", "1990"),
        ("พาสเทล", None),
        ("ภาพ", None),
        ("", None),
    ],
)
def test_a_style_is_found_by_any_name_people_use(name: str, preset: str | None) -> None:
    assert find_style(name) == preset


def test_every_preset_and_its_english_name_find_the_preset() -> None:
    for preset in STYLE_PRESETS:
        assert find_style(preset) == preset
        assert find_style(STYLE_ENGLISH[preset]) == preset


def test_a_preset_is_listed_with_its_english_name() -> None:
    assert style_names("ภาพสีน้ำ") == "ภาพสีน้ำ (watercolour)"
