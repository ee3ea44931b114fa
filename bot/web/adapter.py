"""The web adapter (platform "web"): the pages and their API, fed by the core's job events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint

from bot.events import JobEvent
from bot.web.blueprint import web_blueprint
from bot.web.context import WebContext
from bot.web.views import event_message

if TYPE_CHECKING:
    from bot.core import Core


class WebAdapter:
    """Always enabled: the bot's own page, served by the shared web server."""

    platform = "web"

    def __init__(self, core: Core) -> None:
        self.context = WebContext.create(core)
        self._blueprint = web_blueprint(self.context)

    @property
    def blueprint(self) -> Blueprint:
        return self._blueprint

    async def start(self) -> None:
        """Nothing to connect to: browsers come to the web server."""

    async def stop(self) -> None:
        """End the open progress streams, so their server threads are free."""
        self.context.streams.close()

    async def on_event(self, event: JobEvent) -> None:
        """Pass the event to whoever watches the job (never blocks the loop)."""
        self.context.streams.publish(event.job.id, event_message(event))
