"""A validated draw request, the prompt syntax inside it, and the limits it must respect."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from generator.excerpt import excerpt
from generator.styles import STYLE_PRESETS, find_style, style_names

SIZE_STEP = 16
DEFAULT_STEPS = 250  # the original app found 200–300 steps best
DEFAULT_SIZE = 256
DEFAULT_NEGATIVE_WEIGHT = 0.4  # the original app's default for "ภาพเบลอ"
DEFAULT_AESTHETIC_WEIGHT = 0.005
DEFAULT_TARGET_WEIGHT = 0.5
DEFAULT_CUTN = 8
# The cutouts' augmentation sets (generator.augment makes them); `original` is the set the
# original app's study actually used.
AUGMENTS = ("original", "sharp")
DEFAULT_AUGMENT = "original"
MAX_SEED = 2**31 - 1
MAX_WEIGHT = 100.0
# A `--neg` written as one of these asks for no negative prompt at all (not even the default).
NO_NEGATIVE_WORD = "ไม่มี"
NO_NEGATIVE = frozenset({NO_NEGATIVE_WORD, "none"})


class RequestError(ValueError):
    """A request that breaks a rule; carries a Thai sentence for chat users and an English one."""

    def __init__(self, field_name: str, thai: str, english: str) -> None:
        super().__init__(english)
        self.field = field_name
        self.thai = thai
        self.english = english


@dataclass(frozen=True)
class RequestLimits:
    """What the operator allows (from configuration)."""

    max_steps: int = 500
    max_size: int = 512
    min_size: int = 64
    max_prompt_chars: int = 300
    max_cutn: int = 64


@dataclass(frozen=True)
class WeightedPrompt:
    text: str
    weight: float


@dataclass(frozen=True)
class DrawRequest:
    """Everything that decides a picture. Negatives carry positive weights (push strength)."""

    prompts: tuple[WeightedPrompt, ...]
    negatives: tuple[WeightedPrompt, ...] = ()
    styles: tuple[str, ...] = ()
    steps: int = DEFAULT_STEPS
    width: int = DEFAULT_SIZE
    height: int = DEFAULT_SIZE
    seed: int | None = None
    init_image: str | None = None
    target_image: str | None = None
    aesthetic_weight: float = DEFAULT_AESTHETIC_WEIGHT
    negative_weight: float = DEFAULT_NEGATIVE_WEIGHT
    target_weight: float = DEFAULT_TARGET_WEIGHT
    cutn: int = DEFAULT_CUTN
    augment: str = DEFAULT_AUGMENT  # the cutouts' augmentations: original or sharp (augment.py)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def styled_prompts(self) -> tuple[WeightedPrompt, ...]:
        """The positive prompts with the style words appended, as the original app did."""
        if not self.styles:
            return self.prompts
        suffix = " ".join(self.styles)
        return tuple(WeightedPrompt(f"{p.text} {suffix}", p.weight) for p in self.prompts)

    def with_seed(self, rng: random.Random | None = None) -> DrawRequest:
        """This request with a concrete seed (a fresh random one when none was given)."""
        if self.seed is not None:
            return self
        return replace(self, seed=(rng or random.SystemRandom()).randint(0, MAX_SEED))

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DrawRequest:
        values = dict(data)
        values.pop("extra", None)
        values["prompts"] = tuple(WeightedPrompt(**p) for p in values.get("prompts", ()))
        values["negatives"] = tuple(WeightedPrompt(**p) for p in values.get("negatives", ()))
        values["styles"] = tuple(values.get("styles", ()))
        return cls(**values)


# The original app's negative prompt, applied unless the user gives their own or `--neg ไม่มี`:
# pushing away from "blurry picture" is what made its pictures sharper.
DEFAULT_NEGATIVES = (WeightedPrompt("ภาพเบลอ", DEFAULT_NEGATIVE_WEIGHT),)

# Possessive quantifiers: a failed match gives nothing back, so a long run of digits costs one
# pass (`[-+]?(?:\d+\.?\d*|\.\d+)` tried `1111…x` in quadratic time).
_DECIMAL = re.compile(r"[-+]?+(?:\d++(?:\.\d*+)?+|\.\d++)")


def read_decimal(text: str) -> float | None:
    """`12`, `-0.5`, `.5`, `3.` → the number; anything else (`1e9`, `nan`, `5x`) → None."""
    return float(text) if _DECIMAL.fullmatch(text) else None


def split_weighted(piece: str) -> tuple[str, float | None]:
    """`ข้อความ:น้ำหนัก` → (text, weight); a piece without a numeric suffix has no weight.

    Only the last colon can start a weight, since a number has none; so this is one pass.
    """
    text, colon, weight = piece.rpartition(":")
    value = read_decimal(weight.strip()) if colon and text.strip() else None
    if value is None:
        return piece.strip(), None
    return text.strip(), value


def _as_written(text: str) -> str:
    return text


def parse_prompt_text(
    text: str, unhide: Callable[[str], str] = _as_written
) -> tuple[list[WeightedPrompt], list[WeightedPrompt]]:
    """Split `a:1 | b:0.5 | c:-1` into positive and negative prompts.

    A negative weight turns a prompt into a negative one with the weight's magnitude.
    `unhide` maps each prompt's text once its syntax is read (the chat parser hides quoted
    text from the syntax, and puts it back here).
    """
    positives: list[WeightedPrompt] = []
    negatives: list[WeightedPrompt] = []
    for piece in text.split("|"):
        if not piece.strip():
            continue
        words, weight = split_weighted(piece)
        words = unhide(words)
        if weight is None:
            positives.append(WeightedPrompt(words, 1.0))
        elif weight == 0:
            shown = excerpt(words)
            raise RequestError(
                "prompts",
                f"น้ำหนักของ “{shown}” เป็น 0 ใช้ไม่ได้ ให้ใส่ตัวเลขที่ไม่ใช่ 0 เช่น {shown}:0.5",
                f"the weight of '{shown}' is 0; use a non-zero number, e.g. {shown}:0.5",
            )
        elif weight > 0:
            positives.append(WeightedPrompt(words, weight))
        else:
            negatives.append(WeightedPrompt(words, -weight))
    return positives, negatives


def parse_negative_text(
    text: str, negative_weight: float, unhide: Callable[[str], str] = _as_written
) -> list[WeightedPrompt] | None:
    """A `--neg` value: `|`-separated pieces, each with an optional `:weight` (sign ignored).

    None when a piece is `ไม่มี` or `none`: the user asks for no negative prompt at all.
    """
    negatives = []
    wants_none = False
    for piece in text.split("|"):
        if not piece.strip():
            continue
        words, weight = split_weighted(piece)
        if weight is None and words.casefold() in NO_NEGATIVE:
            wants_none = True
            continue
        weight = negative_weight if weight is None else abs(weight)
        negatives.append(WeightedPrompt(unhide(words), weight))
    return None if wants_none and not negatives else negatives


_SIZE = re.compile(r"\s*+(\d{1,5}+)\s*+(?:[x×X*]\s*+(\d{1,5}+))?+\s*+")


def parse_size(text: str) -> tuple[int, int]:
    """`512x512`, `512×384` or `512` (square) → (width, height); not yet rounded or limited."""
    match = _SIZE.fullmatch(text)
    if not match:
        shown = excerpt(text)
        raise RequestError(
            "size",
            f"อ่านขนาดภาพ “{shown}” ไม่ออก ให้เขียนเป็น กว้างxสูง เช่น --size 256x256 หรือ --size 256",
            f"cannot read the size '{shown}'; write WIDTHxHEIGHT, e.g. 256x256, or one number",
        )
    width = int(match[1])
    return width, int(match[2]) if match[2] else width


def round_side(value: int) -> int:
    """Sides must be multiples of 16 (the VQGAN's downsampling); round down."""
    return value // SIZE_STEP * SIZE_STEP


def check_prompt(prompt: WeightedPrompt) -> None:
    """A RequestError unless the prompt has text and a weight in (0, MAX_WEIGHT]."""
    if not prompt.text.strip():
        raise RequestError(
            "prompts",
            "มีข้อความว่างอยู่ในคำสั่ง ลองเขียนใหม่ เช่น คฤหาสน์:1 | ภาพสวย:0.5",
            "one of the prompts is empty; write e.g. 'คฤหาสน์:1 | ภาพสวย:0.5'",
        )
    if not (math.isfinite(prompt.weight) and 0 < prompt.weight <= MAX_WEIGHT):
        shown = excerpt(prompt.text)
        raise RequestError(
            "prompts",
            f"น้ำหนักของ “{shown}” ต้องอยู่ระหว่าง 0 ถึง {MAX_WEIGHT:g}",
            f"the weight of '{shown}' must be between 0 and {MAX_WEIGHT:g}",
        )


def validate(request: DrawRequest, limits: RequestLimits) -> DrawRequest:
    """Check every rule; return the request with sides rounded down to multiples of 16."""
    if not request.prompts:
        raise RequestError(
            "prompts",
            "ยังไม่มีข้อความสำหรับวาด ลองพิมพ์ เช่น /วาด คฤหาสน์ แฟนตาซี",
            "there is nothing to draw; give a prompt, e.g. 'คฤหาสน์ แฟนตาซี'",
        )
    all_prompts = request.prompts + request.negatives
    for prompt in all_prompts:
        check_prompt(prompt)
    total_chars = sum(len(p.text) for p in all_prompts)
    if total_chars > limits.max_prompt_chars:
        raise RequestError(
            "prompts",
            f"ข้อความยาวเกินไป ({total_chars} ตัวอักษร) ใส่ได้ไม่เกิน {limits.max_prompt_chars} ตัวอักษร",
            f"the prompt is too long ({total_chars} characters); at most {limits.max_prompt_chars}",
        )
    for style in request.styles:
        if resolve_style(style) != style:
            preset, shown = resolve_style(style), excerpt(style)
            raise RequestError(
                "styles",
                f"ใช้ชื่อสไตล์ “{preset}” แทน “{shown}”",
                f"use the preset name '{preset}' instead of '{shown}'",
            )
    if not 1 <= request.steps <= limits.max_steps:
        raise RequestError(
            "steps",
            f"จำนวนรอบต้องอยู่ระหว่าง 1 ถึง {limits.max_steps} เช่น --steps 250",
            f"steps must be between 1 and {limits.max_steps}, e.g. --steps 250",
        )
    width, height = round_side(request.width), round_side(request.height)
    if min(width, height) < limits.min_size or max(width, height) > limits.max_size:
        raise RequestError(
            "size",
            f"ขนาดภาพต้องอยู่ระหว่าง {limits.min_size} ถึง {limits.max_size} พิกเซลต่อด้าน "
            f"เช่น --size 256x256",
            f"each side must be between {limits.min_size} and {limits.max_size} pixels, "
            f"e.g. --size 256x256",
        )
    if request.seed is not None and not 0 <= request.seed <= MAX_SEED:
        raise RequestError(
            "seed",
            f"seed ต้องเป็นจำนวนเต็มระหว่าง 0 ถึง {MAX_SEED}",
            f"the seed must be an integer between 0 and {MAX_SEED}",
        )
    if not 1 <= request.cutn <= limits.max_cutn:
        raise RequestError(
            "cutn",
            f"จำนวนภาพตัดย่อยต้องอยู่ระหว่าง 1 ถึง {limits.max_cutn}",
            f"cutn must be between 1 and {limits.max_cutn}",
        )
    if request.augment not in AUGMENTS:
        shown, choices = excerpt(request.augment), " หรือ ".join(AUGMENTS)
        raise RequestError(
            "augment",
            f"ไม่รู้จักชุดการปรับภาพ “{shown}” เลือกได้: {choices} เช่น --augment original",
            f"unknown augment '{shown}'; choose {' or '.join(AUGMENTS)}, e.g. --augment original",
        )
    for name, option, value in (
        ("aesthetic_weight", "--aesthetic", request.aesthetic_weight),
        ("negative_weight", "--neg-weight", request.negative_weight),
        ("target_weight", "--target-weight", request.target_weight),
    ):
        if not (math.isfinite(value) and -MAX_WEIGHT <= value <= MAX_WEIGHT):
            raise RequestError(
                name,
                f"ค่าของ {option} ต้องอยู่ระหว่าง -{MAX_WEIGHT:g} ถึง {MAX_WEIGHT:g} เช่น {option} 0.5",
                f"{option} must be between -{MAX_WEIGHT:g} and {MAX_WEIGHT:g}",
            )
    return replace(request, width=width, height=height)


def resolve_style(name: str) -> str:
    """The preset a style name refers to (Thai or English), or a RequestError listing them."""
    style = find_style(name)
    if style is None:
        shown, choices = excerpt(name), ", ".join(map(style_names, STYLE_PRESETS))
        raise RequestError(
            "styles",
            f"ไม่รู้จักสไตล์ “{shown}” เลือกได้จาก: {choices}",
            f"unknown style '{shown}'; choose from: {choices}",
        )
    return style


def build_request(
    prompt_text: str,
    limits: RequestLimits,
    *,
    negatives: Sequence[str] = (),
    styles: Sequence[str] = (),
    negative_weight: float = DEFAULT_NEGATIVE_WEIGHT,
    unhide: Callable[[str], str] = _as_written,
    **fields: Any,
) -> DrawRequest:
    """A validated request from the words people write: prompt text, `--neg` texts, style names.

    The negatives are the user's (inline `text:-w` and `--neg` texts, each text once), or none
    after `--neg ไม่มี`, or else DEFAULT_NEGATIVES at `negative_weight`. `fields` are the
    remaining DrawRequest fields (steps, width, height, seed, weights, images); `unhide` is
    parse_prompt_text's.
    """
    positives, given = parse_prompt_text(prompt_text, unhide)
    wants_none = False
    for text in negatives:
        pieces = parse_negative_text(text, negative_weight, unhide)
        wants_none = wants_none or pieces is None
        given.extend(pieces or ())
    chosen: dict[str, WeightedPrompt] = {}
    for prompt in given:
        chosen.setdefault(prompt.text, prompt)  # typed twice (or typed and in a form) is once
    request = DrawRequest(
        prompts=tuple(positives),
        negatives=tuple(chosen.values()),
        styles=tuple(dict.fromkeys(resolve_style(name) for name in styles)),
        negative_weight=negative_weight,
        **fields,
    )
    request = validate(request, limits)
    if given or wants_none:
        return request
    # The default is checked on its own: its words do not count towards what the user may type.
    defaults = tuple(replace(prompt, weight=negative_weight) for prompt in DEFAULT_NEGATIVES)
    for prompt in defaults:
        check_prompt(prompt)
    return replace(request, negatives=defaults)
