"""Building training pairs with a pluggable translator (a small stand-in here; pythainlp's
model downloads on first use, which no test may do)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from generator.thclip.pairs import CaptionPair, read_pairs
from generator.thclip.translation import TranslationError, last_line_done, translate_file
from tests.generator.thclip.commands import thaidraw

WORDS = {"a": "", "cat": "แมว", "dog": "สุนัข", "red": "สีแดง", "on": "บน", "mat": "เสื่อ"}
CAPTIONS = [
    "a cat on a mat",
    "",
    "a red dog",
    "a dog on a mat " * 30,  # 450 characters
    "   ",
    "a red cat",
    "a",  # the stand-in leaves it empty
    "a dog",
]


class WordForWord:
    """Translates the few words it knows; counts the texts it was asked for."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.asked: list[str] = []
        self.fail_after = fail_after

    def translate(self, texts: Sequence[str]) -> list[str]:
        if self.fail_after is not None and len(self.asked) >= self.fail_after:
            raise KeyboardInterrupt
        self.asked.extend(texts)
        return ["".join(WORDS.get(word, word) for word in text.split()) for text in texts]


def word_for_word() -> WordForWord:
    """The factory `--translator tests.generator.thclip.test_translation:word_for_word` names."""
    return WordForWord()


@pytest.fixture
def english(tmp_path: Path) -> Path:
    path = tmp_path / "captions.en.txt"
    path.write_text("\n".join(CAPTIONS) + "\n", encoding="utf-8")
    return path


EXPECTED = [
    CaptionPair("a cat on a mat", "แมวบนเสื่อ"),
    CaptionPair("a red dog", "สีแดงสุนัข"),
    CaptionPair("a red cat", "สีแดงแมว"),
    CaptionPair("a dog", "สุนัข"),
]


def test_captions_become_pairs_skipping_empty_over_long_and_untranslated_ones(
    english: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pairs.tsv"
    tally = translate_file(english, out, WordForWord(), batch_size=2, max_chars=300)
    assert read_pairs(out) == EXPECTED
    assert (tally.translated, tally.empty, tally.too_long, tally.untranslated) == (4, 2, 1, 1)
    assert out.read_text(encoding="utf-8").splitlines()[0] == "en\tth\tline"


def test_an_interrupted_translation_goes_on_after_the_last_finished_batch(
    english: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pairs.tsv"
    with pytest.raises(KeyboardInterrupt):
        translate_file(english, out, WordForWord(fail_after=2), batch_size=2)
    assert read_pairs(out) == EXPECTED[:2]

    again = WordForWord()
    tally = translate_file(english, out, again, batch_size=2)

    assert tally.resumed_after == 3
    assert again.asked == ["a red cat", "a", "a dog"]
    assert read_pairs(out) == EXPECTED


def test_a_row_cut_short_by_a_crash_is_dropped_and_done_again(
    english: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pairs.tsv"
    translate_file(english, out, WordForWord(), batch_size=2)
    text = out.read_text(encoding="utf-8")
    out.write_text(text[: text.rindex("a dog") + 3], encoding="utf-8")  # "…\ta d"

    assert last_line_done(out) == 6
    translate_file(english, out, WordForWord(), batch_size=2)
    assert read_pairs(out) == EXPECTED


def test_a_file_not_written_by_the_translator_is_left_alone(english: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.tsv"
    out.write_text("en\tth\nsomething\tอะไร\n", encoding="utf-8")
    with pytest.raises(TranslationError, match="not written by `thaidraw thclip translate`"):
        translate_file(english, out, WordForWord())
    assert out.read_text(encoding="utf-8") == "en\tth\nsomething\tอะไร\n"


def test_the_command_takes_a_translator_by_its_import_path(
    english: Path, tmp_path: Path, weights_dir: Path
) -> None:
    out = tmp_path / "pairs.tsv"
    result = thaidraw(
        "thclip", "translate", "--in", str(english), "--out", str(out),
        "--translator", "tests.generator.thclip.test_translation:word_for_word",
        weights_dir=weights_dir,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "translated 4; skipped 2 empty, 1 over 300 characters, 1 untranslated" in result.output
    assert read_pairs(out) == EXPECTED


def test_an_unknown_translator_is_one_clear_line(
    english: Path, tmp_path: Path, weights_dir: Path
) -> None:
    result = thaidraw(
        "thclip", "translate", "--in", str(english), "--out", str(tmp_path / "p.tsv"),
        "--translator", "nowhere.at_all:make", weights_dir=weights_dir,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "translator 'nowhere.at_all:make' cannot be loaded" in result.output
