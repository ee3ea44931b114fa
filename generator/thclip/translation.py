"""English captions → English–Thai training pairs through a machine translator, resumably.

The original app translated its 2M English captions with pythainlp's English→Thai model; that
is the default here, and any object with `translate(texts) -> texts` can take its place.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

OUTPUT_COLUMNS = ("en", "th", "line")  # `line`: the caption's line in the English file
PYTHAINLP = "pythainlp"


class Translator(Protocol):
    def translate(self, texts: Sequence[str]) -> list[str]:
        """One translation per text, in order; an empty string where there is none."""
        ...


class TranslationError(Exception):
    """The translator or a file cannot be used; the message is one line."""


class PyThaiNLPTranslator:
    """pythainlp's English→Thai model (VISTEC-depa SCB-1M, run by fairseq). pythainlp downloads
    the model into its data folder the first time one is made."""

    def __init__(self, use_gpu: bool = False) -> None:
        try:
            from pythainlp.translate import Translate

            self._model = Translate("en", "th", use_gpu=use_gpu)
        except ImportError as error:
            raise TranslationError(
                "pythainlp's English→Thai translator needs fairseq and sacremoses: "
                f"pip install 'pythainlp[translate]' ({error})"
            ) from None

    def translate(self, texts: Sequence[str]) -> list[str]:
        # pythainlp translates one sentence per call.
        return [self._model.translate(text) for text in texts]


def load_translator(spec: str, *, use_gpu: bool = False) -> Translator:
    """`pythainlp`, or `package.module:factory` naming a callable that returns a Translator."""
    if spec == PYTHAINLP:
        return PyThaiNLPTranslator(use_gpu)
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise TranslationError(f"translator {spec!r}: use {PYTHAINLP} or package.module:factory")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise TranslationError(f"translator {spec!r} cannot be loaded: {error}") from None
    return factory()


@dataclass
class TranslationTally:
    """What one run did; `resumed_after` is the English line the file already reached."""

    translated: int = 0
    empty: int = 0
    too_long: int = 0
    untranslated: int = 0
    resumed_after: int = 0


def translate_file(
    english: Path,
    out: Path,
    translator: Translator,
    *,
    batch_size: int = 32,
    max_chars: int = 300,
    on_lines: Callable[[int], None] | None = None,
) -> TranslationTally:
    """Append the pairs of `english`'s captions to the TSV `out`, going on after the last line it
    already holds. Empty captions, captions over `max_chars` characters and captions the
    translator leaves empty are skipped. `on_lines(n)` reports n more English lines handled."""
    try:
        lines = english.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise TranslationError(f"cannot read {english}: {error}") from None
    done = last_line_done(out)
    tally = TranslationTally(resumed_after=done)
    pending: list[tuple[int, str]] = []
    for number, raw in enumerate(lines[done:], done + 1):
        caption = _one_line(raw)
        if not caption:
            tally.empty += 1
        elif len(caption) > max_chars:
            tally.too_long += 1
        else:
            pending.append((number, caption))
    reported = done
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8", newline="") as stream:
        if stream.tell() == 0:
            stream.write("\t".join(OUTPUT_COLUMNS) + "\n")
        for start in range(0, len(pending), batch_size):
            batch = pending[start : start + batch_size]
            stream.write("".join(_translated_rows(translator, batch, tally)))
            stream.flush()  # a finished batch survives an interruption
            if on_lines is not None:
                on_lines(batch[-1][0] - reported)
                reported = batch[-1][0]
    if on_lines is not None:
        on_lines(len(lines) - reported)
    return tally


def _translated_rows(
    translator: Translator, batch: list[tuple[int, str]], tally: TranslationTally
) -> list[str]:
    translations = translator.translate([caption for _, caption in batch])
    if len(translations) != len(batch):
        raise TranslationError(
            f"the translator returned {len(translations)} texts for {len(batch)}"
        )
    rows = []
    for (number, caption), translation in zip(batch, translations, strict=True):
        thai = _one_line(translation)
        if thai:
            rows.append(f"{caption}\t{thai}\t{number}\n")
        else:
            tally.untranslated += 1
    tally.translated += len(rows)
    return rows


def last_line_done(out: Path) -> int:
    """The English line the last complete row of `out` came from (0 for a new file). A row cut
    short by an interruption is removed first."""
    if not out.exists():
        return 0
    data = out.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with out.open("r+b") as stream:
            stream.truncate(len(complete))
    rows = complete.decode("utf-8").splitlines()
    if not rows:
        return 0
    if rows[0].split("\t") != list(OUTPUT_COLUMNS):
        raise TranslationError(
            f"{out} was not written by `thaidraw thclip translate` (its header is not "
            f"{' '.join(OUTPUT_COLUMNS)}); choose another --out"
        )
    if len(rows) == 1:
        return 0
    try:
        return int(rows[-1].split("\t")[2])
    except (IndexError, ValueError):
        raise TranslationError(f"{out}: its last row has no line number") from None


def _one_line(text: str) -> str:
    """Tabs, newlines and runs of spaces become one space (a TSV cell holds one line)."""
    return " ".join(text.split())
