"""What phones and keyboards do to a chat message, undone, and the message split into words."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from generator.thai_text import normalise_thai

# Invisible characters: format (zero-width spaces, joiners, direction marks), controls other than
# whitespace, lone surrogates, and private use (which the parser uses to stand in for quotes).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Co"})

_FULL_WIDTH_OFFSET = 0xFEE0  # U+FF01..U+FF5E are full-width copies of ASCII ! .. ~
_TYPOGRAPHY = {
    **{code: code - _FULL_WIDTH_OFFSET for code in range(0xFF01, 0xFF5F)},
    0x3000: " ",  # ideographic space
    **dict.fromkeys(map(ord, "“”„‟"), '"'),
    **dict.fromkeys(map(ord, "‘’‚‛"), "'"),
}

# Each pattern reads a character once: no part can give back what it matched to another.
_QUOTED = re.compile(r'"([^"]*+)"')
_WHITESPACE_RUN = re.compile(r"\s++")


def clean_text(text: str) -> str:
    """The text as the user meant to type it: one line, ASCII punctuation, Arabic digits, NFC."""
    visible = "".join(
        character
        for character in text
        if character.isspace() or unicodedata.category(character) not in _INVISIBLE_CATEGORIES
    )
    text = normalise_thai(visible.translate(_TYPOGRAPHY))
    return _WHITESPACE_RUN.sub(" ", text).strip()


@dataclass(frozen=True)
class Word:
    """One piece of a message: a plain word, or everything between a pair of double quotes."""

    text: str
    quoted: bool = False


def split_words(text: str) -> list[Word]:
    """Split cleaned text at spaces; quoted text is one literal word (empty quotes say nothing).

    A double quote without a partner is an ordinary character.
    """
    words: list[Word] = []
    for index, segment in enumerate(_QUOTED.split(text)):
        if index % 2:  # re.split puts the captured quoted parts at odd positions
            if segment.strip():
                words.append(Word(segment.strip(), quoted=True))
        else:
            words.extend(Word(plain) for plain in segment.split())
    return words
