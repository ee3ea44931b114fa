"""Thai text clean-up, and the text preparation WangchanBERTa was trained with.

`normalise_thai` is the Unicode clean-up any Thai text needs (the chat parser uses it too).
`prepare_for_wangchanberta` adds the rules of thai2transformers' `process_transformers`
(airesearch-in-th/thai2transformers, `thai2transformers/preprocess.py`), which prepared
WangchanBERTa's training text, so that prompts reach the model in the form it learned.
"""

from __future__ import annotations

import html
import re
import unicodedata

import emoji
from pythainlp.tokenize import word_tokenize
from pythainlp.util import thai_digit_to_arabic_digit

SPACE_TOKEN = "<_>"  # WangchanBERTa's vocabulary writes a space as this token

_FORMAT_CATEGORY = "Cf"  # zero-width spaces and joiners, BOM, word joiner, direction marks, …
_THAI_TONE_MARKS = "\u0e48-\u0e4b"
# NIKHAHIT + SARA AA is how some keyboards and converters write SARA AM. A tone mark typed
# between them belongs before SARA AM (น + ํ + ้ + า → น้ำ); one typed before NIKHAHIT stays put.
_SPLIT_SARA_AM = re.compile(f"\u0e4d([{_THAI_TONE_MARKS}]*+)\u0e32")

# process_transformers' `fix_html`: leftovers of HTML and of WikiText escaping, replaced in
# this order and before `html.unescape`. Because `amp;` is replaced before unescaping, `&amp;`
# becomes `&&`; WangchanBERTa saw it that way, so it is kept.
_HTML_LEFTOVERS = (
    ("#39;", "'"),
    ("amp;", "&"),
    ("#146;", "'"),
    ("nbsp;", " "),
    ("#36;", "$"),
    ("\\n", "\n"),
    ("quot;", "'"),
    ("<br />", "\n"),
    ('\\"', '"'),
    (" @.@ ", "."),
    (" @-@ ", "-"),
    (" @,@ ", ","),
    ("\\", " \\ "),
)
_SPACE_RUN = re.compile(" {2,}")

# process_transformers' `rm_brackets`, rule by rule and each for (), {} and [] in turn: drop
# empty pairs, then pairs holding no letter or digit, then non-word characters just inside a
# pair that holds words.
_WORD_CHARACTER = "[a-zA-Z0-9ก-๙]"
_NON_WORD_RUN = "[^a-zA-Z0-9ก-๙]+"
_BRACKET_PAIRS = ((r"\(", r"\)"), (r"\{", r"\}"), (r"\[", r"\]"))
_BRACKET_RULES = tuple(
    re.compile(pattern)
    for patterns in (
        [opening + closing for opening, closing in _BRACKET_PAIRS],
        [opening + _NON_WORD_RUN + closing for opening, closing in _BRACKET_PAIRS],
        [f"(?<={opening}){_NON_WORD_RUN}(?={_WORD_CHARACTER})" for opening, _ in _BRACKET_PAIRS],
        [f"(?<={_WORD_CHARACTER}){_NON_WORD_RUN}(?={closing})" for _, closing in _BRACKET_PAIRS],
    )
    for pattern in patterns
)
_CHARACTER_RUN = re.compile(r"(\S)\1{3,}")  # one character four or more times


def normalise_thai(text: str) -> str:
    """Invisible format characters removed; NFC; split SARA AM folded to ำ; Thai digits to 0–9."""
    visible = "".join(
        character for character in text if unicodedata.category(character) != _FORMAT_CATEGORY
    )
    # Removing a joiner can bring a letter and its combining mark together, so NFC comes after.
    text = unicodedata.normalize("NFC", visible)
    text = _SPLIT_SARA_AM.sub("\\1\u0e33", text)
    return thai_digit_to_arabic_digit(text)


def prepare_for_wangchanberta(text: str) -> str:
    """`normalise_thai`, then process_transformers' rules: the text WangchanBERTa was trained on.

    One pass of those rules can leave work for another (an unescaped entity that spells a new
    one, a cut run that spells `amp;`, brackets emptied by removing an inner pair, words that
    newmm splits differently once a repeat is gone), so passes repeat until the text stops
    changing; ordinary text is settled by the first. Every pass after the first only removes
    characters or finishes normalising ones the previous pass unescaped, so the loop ends.
    """
    prepared = _process_transformers(text)
    while (again := _process_transformers(prepared)) != prepared:
        prepared = again
    return prepared


def _process_transformers(text: str) -> str:
    """One pass of `normalise_thai` and process_transformers' rules."""
    # A space token in the input is the space it stands for; reading it back keeps passes over
    # prepared text from padding a backslash again and again (`fix_html` spaces every `\`).
    text = normalise_thai(text).replace(SPACE_TOKEN, " ")
    # From here the order is thai2transformers': lower, fix_html, rm_brackets, replace_newlines,
    # rm_useless_spaces, replace_spaces, replace_rep_after, newmm words, ungroup_emoji,
    # replace_wrep_post, joined.
    text = text.lower()
    text = _fix_html(text)
    text = _drop_useless_brackets(text)
    text = text.strip().replace("\n", " ")
    text = _SPACE_RUN.sub(" ", text)
    text = text.replace(" ", SPACE_TOKEN)
    text = _CHARACTER_RUN.sub("\\1", text)
    words = word_tokenize(text, engine="newmm", keep_whitespace=True)
    return "".join(_drop_repeated_words(_split_emoji_runs(words)))


def _fix_html(text: str) -> str:
    for leftover, replacement in _HTML_LEFTOVERS:
        text = text.replace(leftover, replacement)
    return _SPACE_RUN.sub(" ", html.unescape(text))


def _drop_useless_brackets(text: str) -> str:
    for rule in _BRACKET_RULES:
        text = rule.sub("", text)
    return text


def _split_emoji_runs(words: list[str]) -> list[str]:
    """newmm keeps `😀😀` as one word; split such runs so a repeated emoji counts as repeated."""
    split: list[str] = []
    for word in words:
        # Only words made of one-code-point emoji: a sequence such as ❤️ is one emoji in two.
        split.extend(list(word) if emoji.emoji_count(word) == len(word) else [word])
    return split


def _drop_repeated_words(words: list[str]) -> list[str]:
    """`แมวแมว` says `แมว` to the model: keep the first word of each run of equal words."""
    return [word for index, word in enumerate(words) if index == 0 or word != words[index - 1]]
