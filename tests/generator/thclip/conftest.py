"""Fixtures of the ThCLIP tests: the smoke weights folder and the real caption pairs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.thclip.pairs import CaptionPair, read_aligned
from tests.generator.thclip.commands import TINY_TRAINING, single_torch_thread, thaidraw


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    with single_torch_thread():
        yield


@pytest.fixture(scope="package")
def reference_pairs(reference_captions: Path) -> list[CaptionPair]:
    """The 1000 real English–Thai caption pairs of XTD10 (MSCOCO captions)."""
    return read_aligned(reference_captions / "xtd200.en.txt", reference_captions / "xtd200.th.txt")


@pytest.fixture(scope="package")
def reference_pairs_tsv(
    reference_pairs: list[CaptionPair], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The reference pairs as a training file with a header row."""
    path = tmp_path_factory.mktemp("pairs") / "xtd200.tsv"
    rows = "".join(f"{pair.english}\t{pair.thai}\n" for pair in reference_pairs)
    path.write_text(f"en\tth\n{rows}", encoding="utf-8")
    return path


@pytest.fixture(scope="package")
def trained_student(
    weights_dir: Path, reference_pairs_tsv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A student distilled from the tiny teacher on the 1000 reference pairs, all used to train."""
    out = tmp_path_factory.mktemp("runs") / "xtd-mean"
    with single_torch_thread():
        result = thaidraw(
            "thclip", "train", "--pairs", str(reference_pairs_tsv), "--out", str(out),
            "--steps", "400", "--validation", "0", *TINY_TRAINING,
            weights_dir=weights_dir,
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out
