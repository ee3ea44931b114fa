"""A validated draw request, the prompt syntax inside it, and the limits it must respect."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from generator.styles import STYLE_PRESETS, find_style

SIZE_STEP = 16
DEFAULT_STEPS = 250  # the original app found 200–300 steps best
DEFAULT_SIZE = 256
DEFAULT_NEGATIVE_WEIGHT = 0.4  # the original app's default for "ภาพเบลอ"
DEFAULT_AESTHETIC_WEIGHT = 0.005
DEFAULT_TARGET_WEIGHT = 0.5
DEFAULT_CUTN = 8
MAX_SEED = 2**31 - 1
MAX_WEIGHT = 100.0


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


_WEIGHT_SUFFIX = re.compile(r"^(?P<text>.*\S)\s*:\s*(?P<weight>[-+]?(?:\d+\.?\d*|\.\d+))\s*$", re.S)


def split_weighted(piece: str) -> tuple[str, float | None]:
    """`ข้อความ:น้ำหนัก` → (text, weight); a piece without a numeric suffix has no weight."""
    match = _WEIGHT_SUFFIX.match(piece.strip())
    if not match:
        return piece.strip(), None
    return match["text"].strip(), float(match["weight"])


def parse_prompt_text(text: str) -> tuple[list[WeightedPrompt], list[WeightedPrompt]]:
    """Split `a:1 | b:0.5 | c:-1` into positive and negative prompts.

    A negative weight turns a prompt into a negative one with the weight's magnitude.
    """
    positives: list[WeightedPrompt] = []
    negatives: list[WeightedPrompt] = []
    for piece in text.split("|"):
        if not piece.strip():
            continue
        words, weight = split_weighted(piece)
        if weight is None:
            positives.append(WeightedPrompt(words, 1.0))
        elif weight == 0:
            raise RequestError(
                "prompts",
                f"น้ำหนักของ “{words}” เป็น 0 ใช้ไม่ได้ ให้ใส่ตัวเลขที่ไม่ใช่ 0 เช่น {words}:0.5",
                f"the weight of '{words}' is 0; use a non-zero number, e.g. {words}:0.5",
            )
        elif weight > 0:
            positives.append(WeightedPrompt(words, weight))
        else:
            negatives.append(WeightedPrompt(words, -weight))
    return positives, negatives


def parse_negative_text(text: str, negative_weight: float) -> list[WeightedPrompt]:
    """A `--neg` value: `|`-separated pieces, each with an optional `:weight` (sign ignored)."""
    negatives = []
    for piece in text.split("|"):
        if not piece.strip():
            continue
        words, weight = split_weighted(piece)
        negatives.append(WeightedPrompt(words, negative_weight if weight is None else abs(weight)))
    return negatives


_SIZE = re.compile(r"^\s*(\d{1,5})\s*(?:[x×X*]\s*(\d{1,5}))?\s*$")


def parse_size(text: str) -> tuple[int, int]:
    """`512x512`, `512×384` or `512` (square) → (width, height); not yet rounded or limited."""
    match = _SIZE.match(text)
    if not match:
        raise RequestError(
            "size",
            f"อ่านขนาดภาพ “{text}” ไม่ออก ให้เขียนเป็น กว้างxสูง เช่น --size 256x256 หรือ --size 256",
            f"cannot read the size '{text}'; write WIDTHxHEIGHT, e.g. 256x256, or one number",
        )
    width = int(match[1])
    return width, int(match[2]) if match[2] else width


def round_side(value: int) -> int:
    """Sides must be multiples of 16 (the VQGAN's downsampling); round down."""
    return value // SIZE_STEP * SIZE_STEP


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
        if not prompt.text.strip():
            raise RequestError(
                "prompts",
                "มีข้อความว่างอยู่ในคำสั่ง ลองเขียนใหม่ เช่น คฤหาสน์:1 | ภาพสวย:0.5",
                "one of the prompts is empty; write e.g. 'คฤหาสน์:1 | ภาพสวย:0.5'",
            )
        if not (math.isfinite(prompt.weight) and 0 < prompt.weight <= MAX_WEIGHT):
            raise RequestError(
                "prompts",
                f"น้ำหนักของ “{prompt.text}” ต้องอยู่ระหว่าง 0 ถึง {MAX_WEIGHT:g}",
                f"the weight of '{prompt.text}' must be between 0 and {MAX_WEIGHT:g}",
            )
    total_chars = sum(len(p.text) for p in all_prompts)
    if total_chars > limits.max_prompt_chars:
        raise RequestError(
            "prompts",
            f"ข้อความยาวเกินไป ({total_chars} ตัวอักษร) ใส่ได้ไม่เกิน {limits.max_prompt_chars} ตัวอักษร",
            f"the prompt is too long ({total_chars} characters); at most {limits.max_prompt_chars}",
        )
    for style in request.styles:
        if resolve_style(style) != style:
            raise RequestError(
                "styles",
                f"ใช้ชื่อสไตล์ “{resolve_style(style)}” แทน “{style}”",
                f"use the preset name '{resolve_style(style)}' instead of '{style}'",
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
        raise RequestError(
            "styles",
            f"ไม่รู้จักสไตล์ “{name}” เลือกได้จาก: {', '.join(STYLE_PRESETS)}",
            f"unknown style '{name}'; choose from: {', '.join(STYLE_PRESETS)}",
        )
    return style


def build_request(
    prompt_text: str,
    limits: RequestLimits,
    *,
    negatives: Sequence[str] = (),
    styles: Sequence[str] = (),
    negative_weight: float = DEFAULT_NEGATIVE_WEIGHT,
    **fields: Any,
) -> DrawRequest:
    """A validated request from the words people write: prompt text, `--neg` texts, style names.

    `fields` are the remaining DrawRequest fields (steps, width, height, seed, weights, images).
    """
    positives, inline_negatives = parse_prompt_text(prompt_text)
    extra_negatives = [
        prompt for text in negatives for prompt in parse_negative_text(text, negative_weight)
    ]
    request = DrawRequest(
        prompts=tuple(positives),
        negatives=tuple(inline_negatives + extra_negatives),
        styles=tuple(dict.fromkeys(resolve_style(name) for name in styles)),
        negative_weight=negative_weight,
        **fields,
    )
    return validate(request, limits)
