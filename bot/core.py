"""What an adapter is given (Core) and what it offers the server (Adapter); imports no adapter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import Blueprint

from bot.bridge import LoopBridge
from bot.events import JobEvent
from bot.service import DrawService
from bot.settings import BotSettings


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
