"""Thai text clean-up and WangchanBERTa's text preparation, on real captions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.thai_text import SPACE_TOKEN, normalise_thai, prepare_for_wangchanberta

SPLIT_SARA_AM = "\u0e4d\u0e32"
SARA_AM = "\u0e33"


@pytest.fixture(scope="module")
def thai_captions(reference_dir) -> list[str]:
    lines = []
    for name in ("flickr30k.th.txt", "xtd200.th.txt"):
        lines += (reference_dir / "captions" / name).read_text(encoding="utf-8").splitlines()
    return lines


def test_the_reference_captions_really_contain_split_sara_am(thai_captions):
    assert sum(SPLIT_SARA_AM in line for line in thai_captions) > 100


def test_split_sara_am_is_folded_in_every_real_caption(thai_captions):
    normalised = [normalise_thai(line) for line in thai_captions]
    assert not any(SPLIT_SARA_AM in line for line in normalised)
    assert sum(SARA_AM in line for line in normalised) > 100


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("น\u0e49\u0e4d\u0e32", "น้ำ"),  # tone mark before NIKHAHIT
        ("น\u0e4d\u0e49\u0e32", "น้ำ"),  # tone mark between NIKHAHIT and SARA AA
        ("ท\u0e4d\u0e32", "ทำ"),
    ],
)
def test_split_sara_am_is_folded_wherever_the_tone_mark_sits(written, expected):
    assert normalise_thai(written) == expected


def test_zero_width_characters_are_removed(thai_captions):
    caption = thai_captions[0]
    spoiled = "\u200b".join(caption[:10]) + "\ufeff" + caption[10:] + "\u200d\u2060"
    assert normalise_thai(spoiled) == normalise_thai(caption)


def test_thai_digits_become_arabic_digits():
    assert normalise_thai("แมว ๓ ตัว ปี ๒๕๖๗") == "แมว 3 ตัว ปี 2567"


def test_text_is_put_in_nfc():
    assert normalise_thai("cafe\u0301") == "café"


def test_wangchanberta_text_is_lowercase_with_space_tokens():
    assert prepare_for_wangchanberta("Harry  Potter\nคฤหาสน์") == (
        f"harry{SPACE_TOKEN}potter{SPACE_TOKEN}คฤหาสน์"
    )


def test_html_entities_are_fixed():
    assert prepare_for_wangchanberta("แมว &amp; หมา") == f"แมว{SPACE_TOKEN}&{SPACE_TOKEN}หมา"


def test_empty_brackets_are_dropped():
    assert prepare_for_wangchanberta("แมว() ดำ [...]") == f"แมว{SPACE_TOKEN}ดำ"


def test_characters_repeated_four_times_or_more_are_cut_to_three():
    assert prepare_for_wangchanberta("สวยมากกกกกก") == "สวยมากกก"
    assert prepare_for_wangchanberta("สวยมากกก") == "สวยมากกก"


def test_consecutive_repeated_words_are_dropped():
    assert prepare_for_wangchanberta("แมวแมวแมว") == "แมว"


def test_the_preparation_is_idempotent_on_every_real_caption(thai_captions):
    for line in thai_captions:
        once = prepare_for_wangchanberta(line)
        assert prepare_for_wangchanberta(once) == once, line


def test_normalisation_is_idempotent_on_every_real_caption(thai_captions):
    for line in thai_captions:
        once = normalise_thai(line)
        assert normalise_thai(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_is_prepared_without_error_and_idempotently(text):
    once = prepare_for_wangchanberta(text)
    assert isinstance(once, str)
    assert normalise_thai(normalise_thai(text)) == normalise_thai(text)
    assert prepare_for_wangchanberta(once) == once
