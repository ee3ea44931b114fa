"""What every platform adapter offers the server, and which adapters the settings enable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import Blueprint

from bot.bridge import LoopBridge
from bot.events import JobEvent
from bot.service import DrawService
from bot.settings import BotSettings
from bot.web.adapter import WebAdapter


@dataclass(frozen=True)
class Core:
    """What an adapter may use: the service (never storage directly) and the loop bridge."""

    service: DrawService
    bridge: LoopBridge
    settings: BotSettings


class Adapter(Protocol):
    platform: str

    @property
    def blueprint(self) -> Blueprint | None:
        """Routes this adapter adds to the web server, if any."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def on_event(self, event: JobEvent) -> None:
        """Turn a job event into platform messages (called in order, one at a time)."""
        ...


def enabled_adapters(core: Core) -> list[Adapter]:
    """The web page always; LINE and Discord when their credentials are set."""
    adapters: list[Adapter] = [WebAdapter(core)]
    if core.settings.line_enabled:
        from bot.line.adapter import LineAdapter  # the LINE SDK loads only when LINE is on

        adapters.append(LineAdapter(core))
    if core.settings.discord_enabled:
        from bot.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(core))
    return adapters
