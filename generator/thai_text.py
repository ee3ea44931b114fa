"""Thai text clean-up, and the preparation WangchanBERTa was trained with.

`prepare_for_wangchanberta` follows the rules of thai2transformers' `process_transformers`
(lowercase; HTML fixes; empty brackets dropped; newlines and repeated spaces to one space;
space → `<_>`; long character runs cut; newmm words; repeated words dropped), in that order,
after `normalise_thai`.
"""

from __future__ import annotations

import html
import re
import unicodedata

from pythainlp.tokenize import word_tokenize
from pythainlp.util import thai_digit_to_arabic_digit

SPACE_TOKEN = "<_>"  # WangchanBERTa's vocabulary writes a space as this token

_INVISIBLE = re.compile("[\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff]")
# NIKHAHIT + SARA AA, with a tone mark before or between them, is how some keyboards and
# converters write SARA AM (e.g. น + ้ + ํ + า for น้ำ).
_SPLIT_SARA_AM = re.compile("([\u0e48-\u0e4b]?)\u0e4d([\u0e48-\u0e4b]?)\u0e32")
_HTML_LEFTOVERS = {
    "#39;": "'",
    "#146;": "'",
    "nbsp;": " ",
    "#36;": "$",
    "quot;": "'",
    "<br />": "\n",
    "<br>": "\n",
}
# Brackets holding nothing but spaces and punctuation (`()`, `[...]`, `( :)`).
_EMPTY_BRACKETS = re.compile(r"\([\W_]*\)|\[[\W_]*\]|\{[\W_]*\}")
_WHITESPACE_RUN = re.compile(r"\s+")
_CHARACTER_RUN = re.compile(r"(\S)\1{3,}")


def normalise_thai(text: str) -> str:
    """NFC; invisible characters removed; split SARA AM folded to ำ; Thai digits to Arabic."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _SPLIT_SARA_AM.sub(lambda match: match[1] + match[2] + "\u0e33", text)
    return thai_digit_to_arabic_digit(text)


def fix_html(text: str) -> str:
    """Undo HTML escaping and the entity leftovers web-scraped captions carry."""
    for leftover, replacement in _HTML_LEFTOVERS.items():
        text = text.replace(leftover, replacement)
    return html.unescape(text)


def drop_empty_brackets(text: str) -> str:
    """Brackets with nothing (or only punctuation) inside say nothing; remove them."""
    return _EMPTY_BRACKETS.sub("", text)


def drop_repeated_words(words: list[str]) -> list[str]:
    """`ดี ดี ดี` means `ดี` to the model: keep the first of each run of the same word."""
    return [word for index, word in enumerate(words) if index == 0 or word != words[index - 1]]


def prepare_for_wangchanberta(text: str) -> str:
    """Text as WangchanBERTa saw it in training (see the module docstring for the rules)."""
    text = normalise_thai(text).lower()
    text = drop_empty_brackets(fix_html(text))
    text = _WHITESPACE_RUN.sub(" ", text).strip()
    text = text.replace(" ", SPACE_TOKEN)
    text = _CHARACTER_RUN.sub(lambda match: match[1] * 3, text)
    words = word_tokenize(text, engine="newmm", keep_whitespace=True)
    return "".join(drop_repeated_words(words))
