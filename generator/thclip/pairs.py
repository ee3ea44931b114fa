"""English–Thai caption pairs: read from TSV or JSONL, or from two line-aligned files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

TSV_COLUMNS = ("en", "th")


class PairsError(ValueError):
    """A pairs file that cannot be read; the message names the file and the line."""


@dataclass(frozen=True)
class CaptionPair:
    english: str
    thai: str


def read_pairs(path: Path) -> list[CaptionPair]:
    """Pairs from `.jsonl` (objects with "en" and "th") or TSV (en, th; an optional header row
    naming the columns `en` and `th`, other columns ignored)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise PairsError(f"cannot read {path}: {error}") from None
    pairs = _read_jsonl(path, lines) if path.suffix == ".jsonl" else _read_tsv(path, lines)
    if not pairs:
        raise PairsError(f"{path} holds no caption pairs")
    return pairs


def read_aligned(english: Path, thai: Path) -> list[CaptionPair]:
    """Pairs from two files whose lines correspond (for example xtd200.en.txt, xtd200.th.txt)."""
    texts = []
    for path in (english, thai):
        try:
            texts.append(path.read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as error:
            raise PairsError(f"cannot read {path}: {error}") from None
    english_lines, thai_lines = texts
    if len(english_lines) != len(thai_lines):
        raise PairsError(
            f"{english} has {len(english_lines)} lines but {thai} has {len(thai_lines)}: "
            "the files must be line-aligned"
        )
    pairs = [
        CaptionPair(en.strip(), th.strip())
        for en, th in zip(english_lines, thai_lines, strict=True)
        if en.strip() and th.strip()
    ]
    if not pairs:
        raise PairsError(f"{english} and {thai} hold no caption pairs")
    return pairs


def _read_tsv(path: Path, lines: list[str]) -> list[CaptionPair]:
    rows = [(number, line.split("\t")) for number, line in enumerate(lines, 1) if line.strip()]
    if not rows:
        return []
    english_column, thai_column = 0, 1
    first = [cell.strip() for cell in rows[0][1]]
    if set(TSV_COLUMNS) <= set(first):
        english_column, thai_column = first.index("en"), first.index("th")
        rows = rows[1:]
    width = max(english_column, thai_column) + 1
    pairs = []
    for number, cells in rows:
        if len(cells) < width:
            raise PairsError(
                f"{path}:{number}: expected tab-separated English and Thai captions, "
                f"found {len(cells)} column(s)"
            )
        pair = CaptionPair(cells[english_column].strip(), cells[thai_column].strip())
        _check(pair, path, number)
        pairs.append(pair)
    return pairs


def _read_jsonl(path: Path, lines: list[str]) -> list[CaptionPair]:
    pairs = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            pair = CaptionPair(str(record["en"]).strip(), str(record["th"]).strip())
        except (json.JSONDecodeError, KeyError, TypeError):
            raise PairsError(
                f'{path}:{number}: expected a JSON object with "en" and "th" captions'
            ) from None
        _check(pair, path, number)
        pairs.append(pair)
    return pairs


def _check(pair: CaptionPair, path: Path, number: int) -> None:
    if not pair.english or not pair.thai:
        raise PairsError(f"{path}:{number}: an empty caption")


def pairs_fingerprint(pairs: list[CaptionPair]) -> str:
    """Changes whenever any caption or the order of the pairs changes."""
    digest = hashlib.sha256()
    for pair in pairs:
        digest.update(f"{pair.english}\t{pair.thai}\n".encode())
    return digest.hexdigest()
