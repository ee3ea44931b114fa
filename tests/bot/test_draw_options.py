"""Where a draw message's options are: every way people type them, and what is only text."""

from __future__ import annotations

import pytest

from bot.discord.localization import DRAW
from bot.draw_options import DRAW_OPTIONS, OptionWord, Refusal, read_words
from bot.text_cleanup import Word

NEG, STEPS, SIZE, INIT = (DRAW_OPTIONS[name] for name in ("neg", "steps", "size", "init"))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("--neg หมา", [OptionWord(NEG, "--neg"), Word("หมา")]),
        ("--NEG หมา", [OptionWord(NEG, "--NEG"), Word("หมา")]),
        ("-neg หมา", [OptionWord(NEG, "-neg"), Word("หมา")]),
        ("—neg หมา", [OptionWord(NEG, "—neg"), Word("หมา")]),
        ("–steps 9", [OptionWord(STEPS, "–steps"), Word("9")]),
        ("−−steps 9", [OptionWord(STEPS, "−−steps"), Word("9")]),
        ("—-steps 9", [OptionWord(STEPS, "—-steps"), Word("9")]),
        ("---init", [OptionWord(INIT, "---init")]),
        ("--neg=หมา", [OptionWord(NEG, "--neg"), Word("หมา")]),
        ("--neg= หมา", [OptionWord(NEG, "--neg"), Word("หมา")]),
        ("--steps120", [OptionWord(STEPS, "--steps"), Word("120")]),
        ("--negหมา", [OptionWord(NEG, "--neg"), Word("หมา")]),
        ("--neg-หมา", [OptionWord(NEG, "--neg-"), Word("หมา")]),
        ("--ไม่เอา หมา", [OptionWord(NEG, "--ไม่เอา"), Word("หมา")]),
        ("-รอบ 50", [OptionWord(STEPS, "-รอบ"), Word("50")]),
        ("—ขนาด 512", [OptionWord(SIZE, "—ขนาด"), Word("512")]),
        ("--รอบ120", [OptionWord(STEPS, "--รอบ"), Word("120")]),
        ("--รอบ=120", [OptionWord(STEPS, "--รอบ"), Word("120")]),
        ("แมว--neg หมา", [Word("แมว"), OptionWord(NEG, "--neg"), Word("หมา")]),
        ("แมว—neg หมา", [Word("แมว"), OptionWord(NEG, "—neg"), Word("หมา")]),
        ("แมว--ไม่เอาหมา", [Word("แมว"), OptionWord(NEG, "--ไม่เอา"), Word("หมา")]),
        (
            "แมว--neg=หมา--steps=9",
            [
                Word("แมว"),
                OptionWord(NEG, "--neg"),
                Word("หมา"),
                OptionWord(STEPS, "--steps"),
                Word("9"),
            ],
        ),
        ('--neg "--steps 5"', [OptionWord(NEG, "--neg"), Word("--steps 5", quoted=True)]),
    ],
)
def test_options_are_found_however_they_are_typed(text: str, words: list) -> None:
    assert read_words(text) == words


@pytest.mark.parametrize(
    "word",
    [
        "—",
        "--",
        "--5",
        "—5",
        "-1",
        "-ish",  # one hyphen before a name that is no option's
        "-_-",
        "–สวย",  # a long dash before Thai that names no option
        "a—b",
        "a--b",
        "ภาพ-neg",  # one hyphen inside a word
        "บ้าน—ขนาดใหญ่",  # a dash inside Thai text before a Thai option name
        "แมว--negative",  # a longer word is not the option
        "แมว--รอบั",  # a combining mark after the name makes another word
        "-" * 50,
    ],
)
def test_dashes_that_start_no_option_are_text(word: str) -> None:
    assert read_words(word) == [Word(word)]


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("--ngg", "ไม่รู้จักตัวเลือก --ngg หมายถึง --neg หรือเปล่า"),
        ("—stesp 5", "ไม่รู้จักตัวเลือก —stesp หมายถึง --steps หรือเปล่า"),
        ("--colour=red", "ไม่รู้จักตัวเลือก --colour ใช้ได้:"),
        ("--ไม่เอ หมา", "ไม่รู้จักตัวเลือก --ไม่เอ หมายถึง --ไม่เอา หรือเปล่า"),
        ("--init=yes", "ตัวเลือก --init ไม่ต้องมีค่า เขียนแค่ --init ก็พอ"),
    ],
)
def test_what_can_only_be_an_option_but_names_none_is_refused(text: str, refusal: str) -> None:
    with pytest.raises(Refusal) as refused:
        read_words(text)
    assert refused.value.sentence.thai.startswith(refusal)
    assert refused.value.sentence.english


def test_an_unknown_option_is_quoted_short_however_long_it_is() -> None:
    with pytest.raises(Refusal) as refused:
        read_words("--" + "x" * 10_000)
    assert "x" * 61 not in refused.value.sentence.thai
    assert "x" * 61 not in refused.value.sentence.english


def test_the_thai_option_names_are_the_ones_discord_shows() -> None:
    shown = {name: wording.name.th for name, wording in DRAW.options.items() if name != "prompt"}
    assert shown == {
        option.name: option.thai for option in DRAW_OPTIONS.values() if option.thai is not None
    }
