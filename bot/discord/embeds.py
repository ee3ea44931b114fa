"""What a job's channel message shows at each stage: waiting, drawing, the result, or why not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.discord import messages
from bot.discord.progress import progress_bar
from generator.request import DrawRequest, WeightedPrompt
from storage.records import JobRecord

PREVIEW_NAME = "preview.jpg"
FIELD_LIMIT = 1024  # Discord's limit on an embed field's value

WAITING_COLOUR = discord.Colour.light_grey()
DRAWING_COLOUR = discord.Colour.blurple()
DONE_COLOUR = discord.Colour.green()
FAILED_COLOUR = discord.Colour.red()


def clip(text: str, limit: int = FIELD_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def prompt_text(prompts: Sequence[WeightedPrompt]) -> str:
    """Prompts as people write them: `text`, or `text:weight` when the weight is not 1."""
    return " | ".join(p.text if p.weight == 1 else f"{p.text}:{p.weight:g}" for p in prompts)


def waiting(job: JobRecord, position: int) -> discord.Embed:
    return _status(job, messages.waiting(position), WAITING_COLOUR)


def starting(job: JobRecord) -> discord.Embed:
    return _status(job, messages.STARTING, DRAWING_COLOUR)


def drawing(job: JobRecord, step: int, total: int) -> discord.Embed:
    """The progress bar above the latest preview (attached as PREVIEW_NAME)."""
    line = messages.drawing(progress_bar(step, total), step, total)
    return _status(job, line, DRAWING_COLOUR).set_image(url=f"attachment://{PREVIEW_NAME}")


def failed(job: JobRecord, reason: str) -> discord.Embed:
    return _status(job, messages.failed(reason), FAILED_COLOUR)


def cancelled(job: JobRecord) -> discord.Embed:
    return _status(job, messages.CANCELLED, FAILED_COLOUR)


def result(
    job: JobRecord, recipe: dict[str, Any], seconds: float, picture_name: str, note: str | None
) -> discord.Embed:
    """The finished picture with everything needed to draw it again."""
    request = DrawRequest.from_dict(recipe["request"])
    description = messages.ordered_by(_author(job))
    if note:
        description += f"\n{note}"
    embed = discord.Embed(description=description, colour=DONE_COLOUR)
    embed.add_field(
        name=messages.FIELD_PROMPT, value=clip(prompt_text(request.prompts)), inline=False
    )
    negatives = ", ".join(prompt.text for prompt in request.negatives)
    embed.add_field(name=messages.FIELD_NEGATIVE, value=clip(negatives or messages.NOTHING))
    embed.add_field(name=messages.FIELD_STYLE, value=", ".join(request.styles) or messages.NOTHING)
    embed.add_field(name=messages.FIELD_SEED, value=str(recipe["seed"]))
    embed.add_field(name=messages.FIELD_STEPS, value=str(recipe["steps_done"]))
    embed.add_field(name=messages.FIELD_SIZE, value=f"{request.width}×{request.height}")
    embed.add_field(name=messages.FIELD_SECONDS, value=messages.seconds(seconds))
    embed.set_image(url=f"attachment://{picture_name}")
    return embed.set_footer(text=messages.job_footer(job.id))


def _status(job: JobRecord, line: str, colour: discord.Colour) -> discord.Embed:
    request = DrawRequest.from_dict(job.request)
    embed = discord.Embed(description=f"{line}\n{messages.ordered_by(_author(job))}", colour=colour)
    embed.add_field(
        name=messages.FIELD_PROMPT, value=clip(prompt_text(request.prompts)), inline=False
    )
    return embed.set_footer(text=messages.job_footer(job.id))


def _author(job: JobRecord) -> str:
    return str(job.conversation["author_id"])
