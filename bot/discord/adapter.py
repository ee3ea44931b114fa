"""Discord as one of the bot's platforms (an Adapter, bot/core.py)."""

from __future__ import annotations

import asyncio
import logging

from flask import Blueprint

from bot.core import Core
from bot.discord import PLATFORM
from bot.discord.client import ThaiDrawClient
from bot.discord.handlers import InteractionHandlers
from bot.discord.progress import EDIT_INTERVAL_SECONDS, EditThrottle
from bot.discord.reactions import ReactionFeedback
from bot.discord.status import StatusMessages
from bot.event_hub import NotDelivered
from bot.events import JobEvent

log = logging.getLogger(__name__)


class DiscordAdapter:
    platform = PLATFORM
    blueprint: Blueprint | None = None  # Discord comes through the gateway, not the web server

    def __init__(self, core: Core, *, edit_interval: float = EDIT_INTERVAL_SECONDS) -> None:
        if core.settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        self._token = core.settings.discord_token
        self.client = ThaiDrawClient(
            core.settings, InteractionHandlers(core), ReactionFeedback(core.service)
        )
        self.status = StatusMessages(
            self.client, core.service, EditThrottle(edit_interval), core.settings.public_base_url
        )
        self._logged_in = asyncio.Event()
        self._gateway: asyncio.Task[None] | None = None

    async def login(self) -> None:
        """Log in with the bot token and sync the commands; messages can be sent from now on."""
        await self.client.login(self._token.get_secret_value())
        self._logged_in.set()

    async def start(self) -> None:
        await self.login()
        # discord.py reconnects (and resumes) by itself until the client is closed.
        self._gateway = asyncio.create_task(self.client.connect(), name="thaidraw-discord")
        self._gateway.add_done_callback(_report_gateway_end)

    async def stop(self) -> None:
        await self.client.close()
        if self._gateway is not None:
            await asyncio.wait([self._gateway])  # a failure was reported when it happened

    async def on_event(self, event: JobEvent) -> None:
        # Jobs left from the last run report before start() has logged in.
        await self._logged_in.wait()
        if self.client.is_closed():
            # Shutting down, or the gateway ended for good: the next start reports the job.
            raise NotDelivered("the Discord client is closed")
        await self.status.show(event)


def _report_gateway_end(gateway: asyncio.Task[None]) -> None:
    if not gateway.cancelled() and gateway.exception() is not None:
        log.error("the Discord connection ended: %r", gateway.exception())
