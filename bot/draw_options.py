"""The options of `/วาด`: their names, and where in a message's words people put them.

People type an option as `--neg`, `-neg`, `—neg` (phones turn `--` into a long dash), `--neg=หมา`,
glued to the word before it (`แมว--neg`, since Thai needs no spaces) or with its value glued on
(`--รอบ120`), and by the Thai names Discord shows (`--ไม่เอา`). `read_words` finds them all in one
pass over each word: every step looks at most a few characters ahead, so a message of any shape
costs time in proportion to its length.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from bot import messages
from bot.messages import Sentence
from bot.text_cleanup import Word, split_words


class Refusal(Exception):
    """A message the parser understood but cannot accept: why, and how to write it."""

    def __init__(self, sentence: Sentence) -> None:
        super().__init__(sentence.thai)
        self.sentence = sentence


@dataclass(frozen=True)
class DrawOption:
    name: str
    kind: Literal["text", "integer", "number", "size", "flag", "choice"]
    example: str
    field: str | None = None  # the DrawRequest field a number or choice option sets
    thai: str | None = None  # the Thai name (Discord's), an alias on every platform


DRAW_OPTIONS: dict[str, DrawOption] = {
    option.name: option
    for option in (
        DrawOption("neg", "text", "--neg ภาพเบลอ", thai="ไม่เอา"),
        DrawOption("style", "text", "--style ภาพสีน้ำ", thai="สไตล์"),
        DrawOption("steps", "integer", "--steps 250", "steps", thai="รอบ"),
        DrawOption("size", "size", "--size 256x256", thai="ขนาด"),
        DrawOption("seed", "integer", "--seed 42", "seed", thai="เลขสุ่ม"),
        DrawOption("aesthetic", "number", "--aesthetic 0.005", "aesthetic_weight"),
        DrawOption("neg-weight", "number", "--neg-weight 0.4", "negative_weight"),
        # No Thai name: each Thai name is also a Discord option, and this one is not (yet).
        DrawOption("augment", "choice", "--augment original", "augment"),
        DrawOption("init", "flag", "--init", thai="รูปเริ่มต้น"),
    )
}
# Thai names of the choices' values (a choice's value is otherwise read in lower case).
CHOICE_VALUES = {"ต้นฉบับ": "original", "คมชัด": "sharp"}
# Every name an option answers to, English ones in lower case.
OPTION_NAMES: dict[str, DrawOption] = {
    **DRAW_OPTIONS,
    **{option.thai: option for option in DRAW_OPTIONS.values() if option.thai},
}
KNOWN_OPTIONS = [
    f"--{option.name}" + (f" (--{option.thai})" if option.thai else "")
    for option in DRAW_OPTIONS.values()
]
_THAI_NAMES = sorted((name for name in OPTION_NAMES if not name.isascii()), key=len, reverse=True)
_THAI_INITIALS = frozenset(name[0] for name in _THAI_NAMES)
_LONGEST_NAME = max(map(len, OPTION_NAMES))

# Hyphen-minus and the dashes smart punctuation makes of `--`: hyphen, non-breaking hyphen,
# figure, en and em dash, horizontal bar, minus sign, small em dash, small hyphen-minus.
LONG_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63")
_DASHES = LONG_DASHES | {"-"}
_LATIN_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")
# A quick first look (two characters, nothing to backtrack): a word with no dash before a letter
# holds no option, and most words are like that.
_DASH_BEFORE_A_LETTER = re.compile(f"[{re.escape(''.join(sorted(_DASHES)))}][^\\W\\d_]")


@dataclass(frozen=True)
class OptionWord:
    """An option where the message has one; `written` is how the user wrote it (`—ไม่เอา`)."""

    option: DrawOption
    written: str


def read_words(text: str) -> list[Word | OptionWord]:
    """The words of a draw message (after the command), with its options found.

    Raises Refusal for something that can only be an option but names none (`--colour`).
    """
    found: list[Word | OptionWord] = []
    for word in split_words(text):
        if word.quoted or not _DASH_BEFORE_A_LETTER.search(word.text):
            found.append(word)
        else:
            found.extend(_options_in(word.text))
    return found


def _options_in(word: str) -> list[Word | OptionWord]:
    """One plain word split where options start: `แมว--neg=หมา` → แมว, --neg, หมา."""
    pieces: list[Word | OptionWord] = []
    text_start = index = 0
    while index < len(word):
        if word[index] not in _DASHES:
            index += 1
            continue
        dashes_end = index
        while dashes_end < len(word) and word[dashes_end] in _DASHES:
            dashes_end += 1
        option, name_end = _option_at(word, index, dashes_end)
        if option is None:
            index = dashes_end
            continue
        if word[text_start:index]:
            pieces.append(Word(word[text_start:index]))
        pieces.append(OptionWord(option, word[index:name_end]))
        text_start = index = name_end
        if word.startswith("=", index):  # `--neg=หมา`
            if option.kind == "flag":
                raise Refusal(messages.flag_with_value(f"--{option.name}"))
            text_start = index = index + 1
    if word[text_start:]:
        pieces.append(Word(word[text_start:]))
    return pieces


def _option_at(word: str, start: int, dashes_end: int) -> tuple[DrawOption | None, int]:
    """The option whose dashes are word[start:dashes_end], and where its name ends.

    At the start of a word any dashes do (`-neg`, `—neg`, `--ไม่เอา`). Inside a word, after
    other text, it takes two dashes (`แมว--neg`), or for an English name one long dash
    (`แมว—neg`): a dash inside Thai text is too often punctuation (`บ้าน—ขนาดใหญ่`). At the
    start, two dashes, or a long dash before a Latin letter, can only mean an option, so an
    unknown name there (`--colour`) is refused with a suggestion.
    """
    double = dashes_end - start >= 2
    name, name_end = _name_at(word, dashes_end)
    if name is not None and (
        start == 0 or double or (word[start] in LONG_DASHES and name.isascii())
    ):
        return OPTION_NAMES[name], name_end
    if start == 0 and name is None and dashes_end < len(word):
        first = word[dashes_end]
        if (double and first.isalpha()) or (
            word[start] in LONG_DASHES and first.isascii() and first.isalpha()
        ):
            _refuse_unknown(word[:dashes_end], word[dashes_end:].partition("=")[0])
    return None, start


def _name_at(word: str, start: int) -> tuple[str | None, int]:
    """The option name that begins at `start` (a few characters are read, never more)."""
    if start == len(word):
        return None, start
    end = start
    while end < len(word) and end - start <= _LONGEST_NAME and word[end] in _LATIN_NAME_CHARACTERS:
        end += 1
    latin = word[start:end].rstrip("-").casefold()
    if latin:
        # The hyphens after the name go with it (`--neg-หมา`); a longer name is not this one.
        whole = end == len(word) or word[end] not in _LATIN_NAME_CHARACTERS
        return (latin, end) if latin in OPTION_NAMES and whole else (None, start)
    if word[start] not in _THAI_INITIALS:
        return None, start
    for name in _THAI_NAMES:
        end = start + len(name)
        # A following combining mark belongs to the name's last letter: then it is another word.
        if word.startswith(name, start) and (
            end == len(word) or unicodedata.category(word[end])[0] != "M"
        ):
            return name, end
    return None, start


def _refuse_unknown(dashes: str, name: str) -> None:
    bounded = name[: _LONGEST_NAME + 2].casefold()  # difflib's cost grows with the length
    nearest = difflib.get_close_matches(bounded, OPTION_NAMES, n=1, cutoff=0.5)
    suggestion = f"--{nearest[0]}" if nearest else None
    raise Refusal(messages.unknown_option(dashes + name, suggestion, KNOWN_OPTIONS))
