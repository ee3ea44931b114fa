"""The draw form: the prompt box (chat syntax welcome) and the optional fields, as one command."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from bot.commands import ParseContext, ParsedCommand, parse_message
from bot.web.errors import FormError
from generator.request import (
    DEFAULT_NEGATIVE_WEIGHT,
    DEFAULT_NEGATIVES,
    WeightedPrompt,
    parse_negative_text,
    split_weighted,
)

DRAW_COMMAND = "/วาด"
# `--neg ไม่มี`: no negative at all, not even the one a request gets when it names none.
NO_NEGATIVE = "ไม่มี"
MAX_FIELD_CHARS = 5000  # the command language has its own, lower limits on what it accepts


@dataclass(frozen=True)
class DrawForm:
    """What the page posts. Numbers stay text: the command language reads and checks them."""

    text: str
    negative: str | None = None  # the keep-out field; None: not sent, the default stands
    styles: tuple[str, ...] = ()
    steps: str = ""
    size: str = ""
    seed: str = ""

    @classmethod
    def from_json(cls, data: Any) -> DrawForm:
        if not isinstance(data, dict):
            raise FormError("body")
        values: dict[str, Any] = {}
        for field in fields(cls):
            value = data.get(field.name)
            if value is None:
                continue
            if field.name == "styles":
                if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
                    raise FormError(field.name)
                values["styles"] = tuple(value)
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
                raise FormError(field.name)
            values[field.name] = value
        if "text" not in values:
            raise FormError("text")
        return cls(**values)

    def command_text(self) -> str:
        """The box's text followed by one chat option per filled field but the keep-out field,
        which `understand` merges with the negatives the box asks for."""
        words = [self.text.strip()]
        for style in self.styles:
            words += ["--style", style.strip()]
        for option, value in (("steps", self.steps), ("size", self.size), ("seed", self.seed)):
            if value.strip():
                words += [f"--{option}", value.strip()]
        return " ".join(word for word in words if word)


def understand(form: DrawForm, context: ParseContext) -> tuple[ParsedCommand, str]:
    """The command the form asks for, and its text as it will be stored with the job.

    The page is a one-to-one chat with the bot, so commands work without a mention; plain words
    (not a command) are a picture to draw. The keep-out field and a `--neg` typed in the box
    make one list of negatives.
    """
    text = form.command_text()
    parsed = parse_message(text, context)
    if parsed.command is None:
        text = f"{DRAW_COMMAND} {text}"
        parsed = parse_message(text, context)
    if parsed.command != "draw" or parsed.request is None or form.negative is None:
        return parsed, text
    keep_out = keep_out_option(form.negative, typed_negatives(text, context))
    if keep_out is None:
        return parsed, text
    text = f"{text} --neg {keep_out}"
    return parse_message(text, context), text


def typed_negatives(text: str, context: ParseContext) -> tuple[WeightedPrompt, ...]:
    """The negatives a draw command names itself (`--neg ไม่มี` drops only the default one)."""
    parsed = parse_message(f"{text} --neg {NO_NEGATIVE}", context)
    return parsed.request.negatives if parsed.request is not None else ()


def keep_out_option(field: str, typed: tuple[WeightedPrompt, ...]) -> str | None:
    """The `--neg` value that adds the keep-out field to the negatives the box typed.

    Negatives are one list, de-duplicated by text: a piece of the field that the box already
    names is not repeated. An emptied field means "no negative", not the default one; the field
    as it came (the default) with nothing typed leaves the request as it is.
    """
    pieces = [piece.strip() for piece in field.split("|") if piece.strip()]
    if not pieces:
        return None if typed else NO_NEGATIVE
    named = {negative.text for negative in typed}
    new = [piece for piece in pieces if split_weighted(piece)[0] not in named]
    if not typed and tuple(parse_negative_text(field, DEFAULT_NEGATIVE_WEIGHT)) == (
        DEFAULT_NEGATIVES
    ):
        return None  # the field as it came, nothing typed: the request's default is the same
    return " | ".join(new) if new else None
