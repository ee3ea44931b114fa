"""One channel message follows each Discord job: its place in line, its progress, then the result.

The message is an ordinary one sent with the bot token (an interaction's token dies after 15
minutes, and drawings may wait longer). Its id is kept in the job's message refs, and the channel
in the job's conversation, so the events of a job taken up after a restart edit the same message.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.discord import MESSAGE_REF, PLATFORM, embeds, messages
from bot.discord.progress import EditThrottle
from bot.discord.reactions import INVITATION
from bot.discord.views import result_buttons
from bot.events import (
    JobCancelled,
    JobDone,
    JobEvent,
    JobFailed,
    JobProgressed,
    JobQueued,
    JobStarted,
)
from bot.http.images import picture_name
from bot.service import DrawService
from storage.records import JobRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Picture:
    """An attachment's bytes; a fresh discord.File is made for every attempt to send it."""

    data: bytes
    name: str

    def as_file(self) -> discord.File:
        return discord.File(io.BytesIO(self.data), filename=self.name)


class StatusMessages:
    """Turns the events of Discord jobs into sends and edits of their status messages."""

    def __init__(
        self,
        client: discord.Client,
        service: DrawService,
        throttle: EditThrottle,
        public_base_url: str | None = None,
    ) -> None:
        self.client = client
        self.service = service
        self.throttle = throttle
        self.public_base_url = public_base_url
        self._message_ids: dict[str, int] = {}  # job id → status message id, for running jobs

    async def show(self, event: JobEvent) -> None:
        job = event.job
        match event:
            case JobQueued(position=position):
                await self._put(job, embeds.waiting(job, position))
            case JobStarted():
                await self._put(job, embeds.starting(job))
            case JobProgressed(step=step, total=total, preview_jpeg=preview):
                if self.throttle.due(job.id):
                    picture = Picture(preview, embeds.PREVIEW_NAME)
                    await self._put(job, embeds.drawing(job, step, total), [picture])
            case JobDone():
                await self._show_result(event)
            case JobFailed(reason=reason):
                await self._put(job, embeds.failed(job, reason))
                self._forget(job.id)
            case JobCancelled():
                await self._put(job, embeds.cancelled(job))
                self._forget(job.id)

    async def _show_result(self, event: JobDone) -> None:
        job = event.job
        picture, note = await self._result_picture(event)
        embed = embeds.result(job, event.recipe, event.seconds, picture.name, note)
        message = await self._put(job, embed, [picture], result_buttons(job.id, job.steps))
        self._forget(job.id)
        try:
            for emoji in INVITATION:
                await message.add_reaction(emoji)
        except discord.Forbidden:
            log.warning("may not add reactions in channel %s", message.channel.id)

    async def _result_picture(self, event: JobDone) -> tuple[Picture, str | None]:
        """The full picture, or the preview with a note when the full one is over the limit."""
        conversation = event.job.conversation
        limit = int(conversation.get("upload_limit", discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES))
        full = await asyncio.to_thread(event.image_path.read_bytes)
        if len(full) <= limit:
            return Picture(full, event.image_path.name), None
        preview = await asyncio.to_thread(event.preview_path.read_bytes)
        note = messages.shrunk_picture(self._public_link(event.job.id))
        return Picture(preview, event.preview_path.name), note

    def _public_link(self, job_id: str) -> str | None:
        if not self.public_base_url:
            return None
        return f"{self.public_base_url.rstrip('/')}/images/{picture_name(job_id, 'full')}"

    async def _put(
        self,
        job: JobRecord,
        embed: discord.Embed,
        pictures: Sequence[Picture] = (),
        view: discord.ui.View | None = None,
    ) -> discord.Message:
        """Edit the job's status message into this; send a new one when it has none (any more)."""
        channel = self.client.get_partial_messageable(
            int(job.conversation["channel_id"]), guild_id=_guild_id(job)
        )
        message_id = self._message_ids.get(job.id) or job.message_refs.get(MESSAGE_REF)
        message = None
        if message_id is not None:
            message = await _edit(
                channel.get_partial_message(int(message_id)), embed, pictures, view
            )
        if message is None:
            files = [picture.as_file() for picture in pictures]
            message = await channel.send(embed=embed, files=files, view=view)
            await self.service.remember(job.id, **{MESSAGE_REF: str(message.id)})
            await self.service.link_message(job.id, PLATFORM, str(message.id))
        self._message_ids[job.id] = message.id
        self.throttle.edited(job.id)
        return message

    def _forget(self, job_id: str) -> None:
        self._message_ids.pop(job_id, None)
        self.throttle.forget(job_id)


async def _edit(
    message: discord.PartialMessage,
    embed: discord.Embed,
    pictures: Sequence[Picture],
    view: discord.ui.View | None,
) -> discord.Message | None:
    """The edited message, or None when someone has deleted it."""
    files = [picture.as_file() for picture in pictures]
    try:
        return await message.edit(embed=embed, attachments=files, view=view)
    except discord.NotFound:
        return None


def _guild_id(job: JobRecord) -> int | None:
    guild_id = job.conversation.get("guild_id")
    return int(guild_id) if guild_id is not None else None
