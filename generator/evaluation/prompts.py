"""Evaluation prompts: Thai text, an optional English gloss, and whether the prompt is short."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Literal, get_args

from pythainlp.tokenize import word_tokenize

from generator.thai_text import normalise_thai

Length = Literal["short", "long"]
LENGTHS: tuple[Length, ...] = get_args(Length)
# The original app's short prompts are a subject and a word or two ("คฤหาสน์ แฮรี่พอตเตอร์");
# its long ones are sentences.
SHORT_MAX_WORDS = 5


class PromptsError(ValueError):
    """A prompts file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class EvalPrompt:
    thai: str
    english: str | None  # the gloss CLIP's own text tower can read
    length: Length


def prompt_length(text: str) -> Length:
    """`short` up to SHORT_MAX_WORDS words (newmm), else `long`."""
    words = [word for word in word_tokenize(normalise_thai(text), engine="newmm") if word.strip()]
    return "short" if len(words) <= SHORT_MAX_WORDS else "long"


def builtin_prompts() -> Path:
    """The project's own set: short and long Thai prompts with English glosses."""
    return Path(str(files("generator.data") / "eval_prompts.tsv"))


def read_prompts(path: Path) -> list[EvalPrompt]:
    """A TSV whose header names `th` and optionally `en` and `length`, or any other text file
    with one Thai prompt a line. A missing length is worked out by `prompt_length`."""
    try:
        lines = list(enumerate(path.read_text(encoding="utf-8").splitlines(), 1))
    except (OSError, UnicodeDecodeError) as error:
        raise PromptsError(f"cannot read {path}: {error}") from None
    lines = [(number, line) for number, line in lines if line.strip()]
    if not lines:
        raise PromptsError(f"{path} holds no prompts")
    header = [cell.strip() for cell in lines[0][1].split("\t")]
    if "th" not in header:
        return [EvalPrompt(line.strip(), None, prompt_length(line)) for _, line in lines]
    prompts = []
    for number, line in lines[1:]:
        cells = dict(zip(header, (cell.strip() for cell in line.split("\t")), strict=False))
        thai = cells.get("th", "")
        if not thai:
            raise PromptsError(f"{path}:{number}: no Thai prompt in the `th` column")
        length = cells.get("length") or prompt_length(thai)
        if length not in LENGTHS:
            raise PromptsError(f"{path}:{number}: length must be short or long, not {length!r}")
        prompts.append(EvalPrompt(thai, cells.get("en") or None, length))
    if not prompts:
        raise PromptsError(f"{path} holds no prompts")
    return prompts
