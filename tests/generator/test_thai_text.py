"""Thai text clean-up, and WangchanBERTa's text preparation, on real Thai captions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.thai_text import SPACE_TOKEN, normalise_thai, prepare_for_wangchanberta

SPLIT_SARA_AM = "\u0e4d\u0e32"  # NIKHAHIT + SARA AA
SARA_AM = "\u0e33"

# Pieces that exercise every rule at once when strung together at random.
TRICKY_PIECES = [
    *"กขงนมรสอาำํ่้๊ะเแๆ๑๙aBz ",
    *"\n\t()[]{}&;#/\\@.,-_<>!",
    "\u200b",
    "\u200d",
    "\ufeff",
    "&amp;",
    "&lt;",
    "&#38;",
    "amp;",
    "quot;",
    "nbsp;",
    "<br />",
    " @.@ ",
    SPACE_TOKEN,
    SPLIT_SARA_AM,
    "แมว",
    "😀",
    "❤️",
]


@pytest.fixture(scope="module")
def thai_captions(reference_captions) -> list[str]:
    """The 2000 real machine-translated Thai captions (Flickr30k and XTD)."""
    lines: list[str] = []
    for name in ("flickr30k.th.txt", "xtd200.th.txt"):
        lines += (reference_captions / name).read_text(encoding="utf-8").splitlines()
    return lines


@pytest.fixture(scope="module")
def prepared_captions(thai_captions) -> list[str]:
    return [prepare_for_wangchanberta(line) for line in thai_captions]


def is_subsequence(short: str, long: str) -> bool:
    remaining = iter(long)
    return all(character in remaining for character in short)


# normalise_thai


def test_split_sara_am_is_folded_in_every_real_caption(thai_captions):
    assert sum(SPLIT_SARA_AM in line for line in thai_captions) > 700
    normalised = [normalise_thai(line) for line in thai_captions]
    assert not any(SPLIT_SARA_AM in line for line in normalised)
    assert sum(SARA_AM in line for line in normalised) > 700


def test_real_captions_change_only_where_sara_am_was_split(thai_captions):
    for line in thai_captions:
        assert normalise_thai(line) == line.replace(SPLIT_SARA_AM, SARA_AM)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("ท\u0e4d\u0e32", "ทำ"),
        ("น\u0e49\u0e4d\u0e32", "น\u0e49\u0e33"),  # tone mark typed before NIKHAHIT
        ("น\u0e4d\u0e49\u0e32", "น\u0e49\u0e33"),  # tone mark typed between NIKHAHIT and SARA AA
        ("ก\u0e4d\u0e4a\u0e32", "ก\u0e4a\u0e33"),
    ],
)
def test_split_sara_am_is_folded_wherever_the_tone_mark_sits(written, expected):
    assert normalise_thai(written) == expected


def test_nikhahit_without_sara_aa_and_sara_am_itself_are_kept():
    assert normalise_thai("สํสฺกฤต") == "สํสฺกฤต"
    assert normalise_thai("น้ำดำ") == "น้ำดำ"  # NFC, unlike NFKC, does not split SARA AM


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202b"],
    ids=["zwsp", "zwnj", "zwj", "word-joiner", "bom", "soft-hyphen", "lrm", "rle"],
)
def test_zero_width_characters_are_removed(thai_captions, invisible):
    for line in thai_captions[:50]:
        spoiled = invisible + invisible.join(line) + invisible
        assert normalise_thai(spoiled) == normalise_thai(line)


def test_thai_digits_become_arabic_digits():
    assert normalise_thai("๐๑๒๓๔๕๖๗๘๙") == "0123456789"
    assert normalise_thai("แมว ๓ ตัว ปี ๒๕๖๗ ราคา ๑,๒๕๐.๕๐") == "แมว 3 ตัว ปี 2567 ราคา 1,250.50"


def test_text_is_put_in_nfc_even_when_a_joiner_split_a_letter_from_its_accent():
    assert normalise_thai("cafe\u0301") == "caf\u00e9"
    assert normalise_thai("cafe\u200d\u0301") == "caf\u00e9"


def test_normalisation_is_idempotent_on_every_real_caption(thai_captions):
    for line in thai_captions:
        once = normalise_thai(line)
        assert normalise_thai(once) == once, line


# prepare_for_wangchanberta: each rule of process_transformers


def test_text_is_normalised_first():
    assert prepare_for_wangchanberta("น\u0e49\u0e4d\u0e32\u200b ๓ แก้ว") == "น้ำ<_>3<_>แก้ว"


def test_text_is_lowercased():
    assert prepare_for_wangchanberta("Harry Potter") == "harry<_>potter"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("แมว &lt;3", "แมว<_><3"),
        ("quot;สวัสดีquot;", "'สวัสดี'"),
        ("บ้าน<br />สวน", "บ้าน<_>สวน"),
        ("บ้าน\\nสวน", "บ้าน<_>สวน"),  # an escaped newline written out as backslash-n
        ("สูง 3 @.@ 5 เมตร", "สูง<_>3.5<_>เมตร"),  # WikiText's escaped decimal point
        ("a\\b", "a<_>\\<_>b"),
        # `amp;` is replaced before unescaping, so the entity becomes two ampersands, as in
        # WangchanBERTa's training text.
        ("แมว &amp; หมา", "แมว<_>&&<_>หมา"),
    ],
)
def test_html_leftovers_are_fixed_as_thai2transformers_does(written, expected):
    assert prepare_for_wangchanberta(written) == expected


def test_an_html_entity_in_a_real_caption_is_read_as_in_training(thai_captions):
    [line] = [line for line in thai_captions if "&amp;" in line]
    assert "(a&&m)" in prepare_for_wangchanberta(line)


def test_empty_brackets_and_brackets_of_punctuation_are_dropped():
    assert prepare_for_wangchanberta("แมว() ดำ[;] ตัว{*&} ใหญ่(มาก)") == ("แมว<_>ดำ<_>ตัว<_>ใหญ่(มาก)")


def test_punctuation_just_inside_brackets_around_words_is_dropped():
    assert prepare_for_wangchanberta("ภาพ ( -แมว- ) สวย") == "ภาพ<_>(แมว)<_>สวย"


def test_newlines_and_runs_of_spaces_become_one_space_token():
    assert prepare_for_wangchanberta("  แมว\n\nดำ   ตัว \n") == "แมว<_>ดำ<_>ตัว"


def test_a_space_token_in_the_input_counts_as_a_space():
    assert prepare_for_wangchanberta(f"{SPACE_TOKEN}แมว{SPACE_TOKEN} ดำ") == "แมว<_>ดำ"


def test_a_character_repeated_four_times_or_more_is_cut_to_one():
    assert prepare_for_wangchanberta("สวยมากกกกกก!!!!") == "สวยมาก!"
    assert prepare_for_wangchanberta("สวยมากกก") == "สวยมากกก"  # three times is left alone


def test_consecutive_repeated_words_are_dropped():
    assert prepare_for_wangchanberta("แมวแมวแมว ดำ") == "แมว<_>ดำ"
    assert prepare_for_wangchanberta("แมว ดำ แมว") == "แมว<_>ดำ<_>แมว"


def test_a_repeated_word_in_a_real_caption_is_dropped(thai_captions):
    [line] = [line for line in thai_captions if "ใช้ไฟไฟไฟ" in line]
    assert "ใช้ไฟ<_>เพื่อ" in prepare_for_wangchanberta(line)


def test_a_repeated_emoji_counts_as_a_repeated_word():
    assert prepare_for_wangchanberta("สวย😍😍") == "สวย😍"


def test_real_captions_change_only_by_space_tokens_and_dropped_repeats(
    thai_captions, prepared_captions
):
    untouched = 0
    for line, prepared in zip(thai_captions, prepared_captions, strict=True):
        if "&amp;" in line:  # the one caption with an HTML entity has a test of its own
            continue
        expected = " ".join(normalise_thai(line).lower().split())
        spaced = prepared.replace(SPACE_TOKEN, " ")
        untouched += spaced == expected
        assert is_subsequence(spaced, expected), line
    assert untouched > 0.9 * len(thai_captions)


# Idempotence


def test_the_preparation_is_idempotent_on_every_real_caption(thai_captions, prepared_captions):
    for line, once in zip(thai_captions, prepared_captions, strict=True):
        assert prepare_for_wangchanberta(once) == once, line


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("(())", ""),  # removing the inner pair empties the outer one
        ("&#38;lt;", "<"),  # unescaping spells a new entity
        ("&llllt;", "<"),  # cutting a run spells one
        ("a\\b", "a<_>\\<_>b"),  # a second pass would space the backslash again
    ],
)
def test_text_that_one_pass_of_the_rules_leaves_unsettled_is_settled(written, expected):
    assert prepare_for_wangchanberta(written) == expected
    assert prepare_for_wangchanberta(expected) == expected


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_is_normalised_and_prepared_idempotently(text):
    normalised = normalise_thai(text)
    assert normalise_thai(normalised) == normalised
    prepared = prepare_for_wangchanberta(text)
    assert prepare_for_wangchanberta(prepared) == prepared


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TRICKY_PIECES), max_size=30).map("".join))
def test_thai_text_full_of_markup_is_prepared_idempotently(text):
    prepared = prepare_for_wangchanberta(text)
    assert " " not in prepared
    assert prepare_for_wangchanberta(prepared) == prepared
