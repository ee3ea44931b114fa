"""The LINE adapter: the webhook in, replies and pushes out, driven by the core's job events."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from flask import Blueprint
from linebot.v3.webhooks import Event

from bot.core import Core
from bot.events import JobCancelled, JobDone, JobEvent, JobFailed, JobQueued, JobStarted
from bot.line.chats import PLATFORM, Chat
from bot.line.client import MAX_LOADING_SECONDS, LineApi
from bot.line.conversation import Conversation
from bot.line.delivery import REPLY_TOKEN_HOLD_SECONDS, Delivery
from bot.line.webhook import webhook_blueprint

# After a restart, results this recent that never reached their user still go out.
RESULTS_KEPT_FOR = timedelta(days=7)


class LineAdapter:
    """LINE for the bot; needs the channel secret, access token and PUBLIC_BASE_URL."""

    platform = PLATFORM

    def __init__(self, core: Core, *, hold_seconds: float = REPLY_TOKEN_HOLD_SECONDS) -> None:
        settings = core.settings
        if not (
            settings.line_channel_secret
            and settings.line_channel_access_token
            and settings.public_base_url
        ):
            raise ValueError("LINE needs its channel secret, access token and PUBLIC_BASE_URL")
        self._bridge = core.bridge
        self._service = core.service
        self.api = LineApi(
            settings.line_channel_access_token.get_secret_value(),
            settings.line_api_base_url,
            settings.line_data_api_base_url,
        )
        self.delivery = Delivery(
            self.api,
            core.service,
            mode=settings.line_delivery,
            public_base_url=settings.public_base_url,
            hold_seconds=hold_seconds,
        )
        self.conversation = Conversation(core, self.api, self.delivery)
        # Webhooks and job events may come before start() has opened the API clients.
        self._started = asyncio.Event()
        self._blueprint = webhook_blueprint(
            settings.line_channel_secret.get_secret_value(), self._hand_over
        )

    @property
    def blueprint(self) -> Blueprint:
        return self._blueprint

    async def start(self) -> None:
        await self.api.open()
        self.delivery.restore(await self._service.finished_jobs(PLATFORM, RESULTS_KEPT_FOR))
        self._started.set()

    async def stop(self) -> None:
        """Close the API clients; results finishing later are kept as waiting (see delivery)."""
        await self.delivery.stop()
        await self.api.close()

    async def on_event(self, event: JobEvent) -> None:
        await self._started.wait()
        job = event.job
        if isinstance(event, JobQueued):
            self.delivery.track(job)
        elif isinstance(event, JobStarted):
            chat = Chat.of_job(job)
            if chat.is_direct:
                await self.api.show_loading(chat.user_id, MAX_LOADING_SECONDS)
        elif isinstance(event, JobDone):
            await self.delivery.finished(job, seconds=event.seconds)
        elif isinstance(event, JobFailed):
            await self.delivery.finished(job, failure=event.reason)
        elif isinstance(event, JobCancelled):
            self.delivery.forget(job)

    def _hand_over(self, events: list[Event]) -> None:
        """On a web server thread: schedule the events on the loop and return at once."""
        self._bridge.spawn(self._handle(events))

    async def _handle(self, events: list[Event]) -> None:
        await self._started.wait()
        await self.conversation.handle(events)
