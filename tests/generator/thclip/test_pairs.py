from __future__ import annotations

from pathlib import Path

import pytest

from generator.thclip.pairs import (
    CaptionPair,
    PairsError,
    pairs_fingerprint,
    read_aligned,
    read_pairs,
)

CAT = CaptionPair("a cat on a mat", "แมวบนเสื่อ")
DOG = CaptionPair("a dog in the rain", "สุนัขกลางสายฝน")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_tsv_without_header_is_english_then_thai(tmp_path: Path) -> None:
    path = write(tmp_path, "pairs.tsv", f"{CAT.english}\t{CAT.thai}\n{DOG.english}\t{DOG.thai}\n")
    assert read_pairs(path) == [CAT, DOG]


def test_a_tsv_header_names_the_columns_and_other_columns_are_ignored(tmp_path: Path) -> None:
    text = f"line\tth\ten\n7\t{CAT.thai}\t{CAT.english}\n\n9\t{DOG.thai}\t{DOG.english}\n"
    assert read_pairs(write(tmp_path, "pairs.tsv", text)) == [CAT, DOG]


def test_jsonl_pairs_are_read(tmp_path: Path) -> None:
    text = (
        '{"en": "a cat on a mat", "th": "แมวบนเสื่อ"}\n\n'
        '{"th": "สุนัขกลางสายฝน", "en": "a dog in the rain"}\n'
    )
    assert read_pairs(write(tmp_path, "pairs.jsonl", text)) == [CAT, DOG]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pairs.tsv", "a cat on a mat\n", "pairs.tsv:1: expected tab-separated"),
        ("pairs.tsv", "a cat\tแมว\n \tสุนัข\n", "pairs.tsv:2: an empty caption"),
        ("pairs.jsonl", '{"en": "a cat"}\n', 'pairs.jsonl:1: expected a JSON object with "en"'),
        ("pairs.jsonl", "not json\n", "pairs.jsonl:1"),
        ("pairs.tsv", "\n\n", "holds no caption pairs"),
    ],
)
def test_a_bad_pairs_file_is_refused_naming_the_line(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    with pytest.raises(PairsError, match=message):
        read_pairs(write(tmp_path, name, text))


def test_line_aligned_files_make_pairs_and_skip_lines_empty_in_either(tmp_path: Path) -> None:
    english = write(tmp_path, "c.en.txt", f"{CAT.english}\n\n{DOG.english}\n")
    thai = write(tmp_path, "c.th.txt", f"{CAT.thai}\nแมว\n{DOG.thai}\n")
    assert read_aligned(english, thai) == [CAT, DOG]


def test_files_of_different_lengths_are_not_aligned(tmp_path: Path) -> None:
    english = write(tmp_path, "c.en.txt", "one\ntwo\n")
    thai = write(tmp_path, "c.th.txt", "หนึ่ง\n")
    with pytest.raises(PairsError, match=r"2 lines but .* has 1"):
        read_aligned(english, thai)


def test_the_fingerprint_follows_every_caption_and_their_order() -> None:
    assert pairs_fingerprint([CAT, DOG]) == pairs_fingerprint([CAT, DOG])
    assert pairs_fingerprint([CAT, DOG]) != pairs_fingerprint([DOG, CAT])
    assert pairs_fingerprint([CAT]) != pairs_fingerprint([CaptionPair(CAT.english, "แมว")])
