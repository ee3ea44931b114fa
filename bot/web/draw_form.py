"""The draw form: the prompt box (chat syntax welcome) and the optional fields, as one command."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from bot.commands import ParseContext, ParsedCommand, parse_message
from bot.web.errors import FormError
from generator.request import DrawRequest, WeightedPrompt, parse_negative_text, split_weighted

DRAW_COMMAND = "/วาด"
# `--neg ไม่มี`: no negative at all, not even the one a request gets when it names none.
NO_NEGATIVE = "ไม่มี"
MAX_FIELD_CHARS = 5000  # the command language has its own, lower limits on what it accepts


@dataclass(frozen=True)
class DrawForm:
    """What the page posts. Numbers stay text: the command language reads and checks them."""

    text: str
    negative: str = ""
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
    if parsed.command != "draw" or parsed.request is None:
        return parsed, text
    keep_out = keep_out_option(form.negative, parsed.request, default_negatives(context))
    if keep_out is None:
        return parsed, text
    text = f"{text} --neg {keep_out}"
    return parse_message(text, context), text


def default_negatives(context: ParseContext) -> tuple[WeightedPrompt, ...]:
    """The negatives a draw gets when its message names none."""
    bare = parse_message(f"{DRAW_COMMAND} ก", ParseContext(limits=context.limits))
    return bare.request.negatives if bare.request is not None else ()


def keep_out_option(
    field: str, asked: DrawRequest, defaults: tuple[WeightedPrompt, ...]
) -> str | None:
    """The `--neg` value that adds the keep-out field to the negatives the box asked for.

    Negatives are one list, de-duplicated by text: a piece of the field that the box already
    names is not repeated. An emptied field means "no negative", not the default one.
    """
    if not asked.negatives and defaults:
        return None  # the box itself said "no negative" (`--neg ไม่มี`)
    typed = () if asked.negatives == defaults else asked.negatives
    pieces = [piece.strip() for piece in field.split("|") if piece.strip()]
    if not pieces:
        return NO_NEGATIVE if not typed and defaults else None
    if not typed and tuple(parse_negative_text(field, asked.negative_weight)) == defaults:
        return None  # the field as it came, and nothing typed: the default stands
    named = {negative.text for negative in typed}
    new = [piece for piece in pieces if split_weighted(piece)[0] not in named]
    return " | ".join(new) if new else None
