"""The draw form: the prompt box (chat syntax welcome) and the optional fields, as one command."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from bot.commands import ParseContext, ParsedCommand, parse_message
from bot.web.errors import FormError

DRAW_COMMAND = "/วาด"
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
        """The box's text followed by one chat option per filled field."""
        words = [self.text.strip()]
        if self.negative.strip():
            words += ["--neg", self.negative.strip()]
        for style in self.styles:
            words += ["--style", style.strip()]
        for option, value in (("steps", self.steps), ("size", self.size), ("seed", self.seed)):
            if value.strip():
                words += [f"--{option}", value.strip()]
        return " ".join(word for word in words if word)


def understand(form: DrawForm, context: ParseContext) -> tuple[ParsedCommand, str]:
    """The command the form asks for, and its text as it will be stored with the job.

    The page is a one-to-one chat with the bot, so commands work without a mention; plain words
    (not a command) are a picture to draw.
    """
    text = form.command_text()
    parsed = parse_message(text, context)
    if parsed.command is None:
        text = f"{DRAW_COMMAND} {text}"
        parsed = parse_message(text, context)
    return parsed, text
