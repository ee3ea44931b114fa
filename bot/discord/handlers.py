"""What each command and button does: take it once, acknowledge it, ask the core, answer.

Every answer goes only to the person who asked (ephemeral); the public trace of a drawing is its
status message (bot/discord/status.py).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Concatenate, ParamSpec, cast

import discord

from bot import messages as core_messages
from bot.commands import ParseContext, parse_message
from bot.core import Core
from bot.discord import MESSAGE_REF, PLATFORM, messages
from bot.discord.access import AccessPolicy, bot_can_post, is_moderator
from bot.discord.embeds import clip
from bot.discord.uploads import UploadRefused, save_init_image
from bot.service import Accepted, Origin, Refused, Reply
from storage.records import JobRecord

if TYPE_CHECKING:
    from bot.discord.client import ThaiDrawClient

log = logging.getLogger(__name__)

# The moderators' listing stays within one Discord message (2,000 characters).
QUEUE_LINES_SHOWN = 15
PROMPT_SHOWN = 80  # characters of each job's message


@dataclass(frozen=True)
class DrawOptions:
    """The options of /วาด (/draw) as Discord delivered them."""

    prompt: str
    neg: str | None = None
    style: str | None = None
    steps: int | None = None
    size: str | None = None
    seed: int | None = None
    init: discord.Attachment | None = None

    def as_message(self) -> str:
        """The chat message these options stand for; the core's parser reads it.

        The options come after the prompt, so a choice made in its own field wins over the
        same option typed into the prompt.
        """
        words = ["/วาด", self.prompt]
        for option, value in (
            ("--neg", self.neg),
            ("--style", self.style),
            ("--steps", self.steps),
            ("--size", self.size),
            ("--seed", self.seed),
        ):
            if value is not None:
                words += [option, str(value)]
        if self.init is not None:
            words.append("--init")
        return " ".join(words)


def handlers_of(interaction: discord.Interaction) -> InteractionHandlers:
    """The handlers of the client that received `interaction`."""
    return cast("ThaiDrawClient", interaction.client).handlers


def origin_of(interaction: discord.Interaction) -> Origin:
    """The person, and where the job's status message goes (kept with the job)."""
    user = interaction.user
    conversation = {
        "channel_id": str(interaction.channel_id),
        "guild_id": str(interaction.guild_id) if interaction.guild_id else None,
        # The waiting line is fair between servers first (bot/job_queue.py); a DM is its person's.
        "community": f"discord:{interaction.guild_id}" if interaction.guild_id else "",
        "author_id": str(user.id),
        "upload_limit": interaction.filesize_limit,
    }
    return Origin(PLATFORM, str(user.id), user.display_name, conversation)


async def answer(interaction: discord.Interaction, text: str) -> None:
    """Tell only the person who asked, whether or not the interaction was acknowledged yet."""
    mentions = discord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=mentions)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=mentions)


def reply_text(outcome: Accepted | Refused | Reply) -> str:
    match outcome:
        case Accepted(job=job, position=position, notices=notices):
            return "\n".join((messages.accepted(position, job.id), *notices))
        case Refused(message=text) | Reply(text=text):
            return text


P = ParamSpec("P")
Handler = Callable[Concatenate["InteractionHandlers", discord.Interaction, P], Awaitable[None]]


def _answers_failures(handler: Handler[P]) -> Handler[P]:
    """An unexpected error is logged, and the person gets one Thai sentence, not silence."""

    @functools.wraps(handler)
    async def handle(
        self: InteractionHandlers,
        interaction: discord.Interaction,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        try:
            await handler(self, interaction, *args, **kwargs)
        except Exception:
            log.exception("could not handle Discord interaction %s", interaction.id)
            await answer(interaction, core_messages.SOMETHING_WENT_WRONG)

    return handle


class InteractionHandlers:
    """The commands and result buttons, in terms of the core."""

    def __init__(self, core: Core) -> None:
        self.service = core.service
        self.uploads_dir = core.settings.uploads_dir
        self.access = AccessPolicy(
            core.settings.discord_allowed_channel_ids, core.settings.discord_allowed_role_ids
        )
        self.parse_context = ParseContext.from_settings(core.settings, direct=True)

    # --- commands ---------------------------------------------------------------------------

    @_answers_failures
    async def draw(self, interaction: discord.Interaction, options: DrawOptions) -> None:
        if not await self._take(interaction, draws=True):
            return
        text = options.as_message()
        # In a thread: a long message is a few milliseconds of parsing the loop need not wait for.
        parsed = await asyncio.to_thread(parse_message, text, self.parse_context)
        init_image = None
        if options.init is not None and parsed.ok:
            try:
                init_image = await save_init_image(options.init, self.uploads_dir)
            except UploadRefused as refusal:
                await answer(interaction, refusal.thai)
                return
        outcome = await self.service.handle(
            parsed, origin_of(interaction), text, init_image=init_image
        )
        assert outcome is not None  # "/วาด …" is always a command
        await answer(interaction, reply_text(outcome))

    @_answers_failures
    async def show_queue(self, interaction: discord.Interaction) -> None:
        if await self._take(interaction):
            await answer(interaction, await self.service.queue_summary(origin_of(interaction)))

    @_answers_failures
    async def cancel(self, interaction: discord.Interaction, job_id: str | None) -> None:
        if await self._take(interaction):
            await answer(interaction, await self.service.cancel(origin_of(interaction), job_id))

    @_answers_failures
    async def stats(self, interaction: discord.Interaction) -> None:
        if await self._take(interaction):
            await answer(interaction, await self.service.stats_summary())

    @_answers_failures
    async def help(self, interaction: discord.Interaction) -> None:
        if await self._take(interaction):
            await answer(interaction, messages.HELP)

    @_answers_failures
    async def styles(self, interaction: discord.Interaction) -> None:
        if await self._take(interaction):
            await answer(interaction, core_messages.styles_list())

    @_answers_failures
    async def moderate(
        self, interaction: discord.Interaction, action: str, job_id: str | None
    ) -> None:
        """See, clear or cancel this server's waiting jobs (other servers' are not its business)."""
        if not await self._take(interaction):
            return
        if not is_moderator(interaction):
            await answer(interaction, messages.MODERATORS_ONLY)
            return
        guild_id = str(interaction.guild_id)
        match action:
            case "list":
                text = await self._list_here(guild_id)
            case "clear":
                text = await self._clear_here(guild_id)
            case _:  # "cancel", the last of the choices
                text = await self._cancel_here(guild_id, job_id)
        await answer(interaction, text)

    # --- result buttons ---------------------------------------------------------------------

    @_answers_failures
    async def again(self, interaction: discord.Interaction, job_id: str) -> None:
        """🎲: the same recipe with a new seed, as a job of whoever pressed."""
        if await self._take(interaction, draws=True):
            outcome = await self.service.redraw(job_id, origin_of(interaction))
            await answer(interaction, reply_text(outcome))

    @_answers_failures
    async def more(self, interaction: discord.Interaction, job_id: str) -> None:
        """➕: as many steps again, starting from this picture."""
        if not await self._take(interaction, draws=True):
            return
        job = await self.service.job(job_id)
        if job is None:
            await answer(interaction, core_messages.JOB_NOT_FOUND.thai)
            return
        outcome = await self.service.continue_from(job_id, origin_of(interaction), job.steps)
        await answer(interaction, reply_text(outcome))

    @_answers_failures
    async def delete(self, interaction: discord.Interaction, job_id: str) -> None:
        """🗑️: only the person who asked for the picture, or a moderator."""
        if not await self._take(interaction, quietly=True):
            return
        job = await self.service.job(job_id)
        author_id = job.conversation.get("author_id") if job is not None else None
        if str(interaction.user.id) != author_id and not is_moderator(interaction):
            await answer(interaction, messages.DELETE_NOT_ALLOWED)
            return
        assert interaction.message is not None  # a button press comes with its message
        await interaction.message.delete()
        if job is not None:
            await self.service.remember(job_id, **{MESSAGE_REF: None})

    # --- shared steps -----------------------------------------------------------------------

    async def _take(
        self, interaction: discord.Interaction, *, draws: bool = False, quietly: bool = False
    ) -> bool:
        """Take each interaction once (the gateway may deliver one again after a reconnect),
        acknowledge it within Discord's 3 seconds, and for drawing check the operator's rules.

        `quietly`: acknowledge a button without a "thinking…" note (the message may go away).
        """
        if not await self.service.first_time_seen(PLATFORM, str(interaction.id)):
            return False
        if quietly:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
        if not draws:
            return True
        refusal = self.access.refusal(interaction)
        if refusal is None and not bot_can_post(interaction):
            refusal = messages.BOT_CANNOT_POST
        if refusal is not None:
            await answer(interaction, refusal)
            return False
        return True

    async def _waiting_in(self, guild_id: str) -> list[tuple[int, JobRecord]]:
        """This server's jobs that wait in line, with their places in it."""
        waiting = []
        for position, job_id in enumerate(await self.service.waiting_ids(), start=1):
            job = await self.service.job(job_id)
            if job is not None and _in_guild(job, guild_id):
                waiting.append((position, job))
        return waiting

    async def _list_here(self, guild_id: str) -> str:
        waiting = await self._waiting_in(guild_id)
        if not waiting:
            return messages.QUEUE_EMPTY_HERE
        entries = [
            (position, job.id, job.conversation["author_id"], clip(job.raw_text, PROMPT_SHOWN))
            for position, job in waiting
        ]
        return messages.queue_listing(entries, QUEUE_LINES_SHOWN)

    async def _clear_here(self, guild_id: str) -> str:
        waiting = await self._waiting_in(guild_id)
        for _, job in waiting:
            await self.service.cancel_any(job.id)
        return messages.cleared(len(waiting))

    async def _cancel_here(self, guild_id: str, job_id: str | None) -> str:
        if not job_id:
            return messages.NO_JOB_ID
        job = await self.service.job(job_id)
        if job is None or not _in_guild(job, guild_id):
            return messages.JOB_NOT_IN_THIS_SERVER
        return await self.service.cancel_any(job_id)


def _in_guild(job: JobRecord, guild_id: str) -> bool:
    return job.platform == PLATFORM and job.conversation.get("guild_id") == guild_id
