"""Hands work from the WSGI server's threads to the asyncio loop that owns the core."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopBridge:
    """Runs coroutines on the core's event loop from other threads."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a quick coroutine on the loop and wait for its answer (never for a generation)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Start a coroutine on the loop without waiting for it."""
        asyncio.run_coroutine_threadsafe(coroutine, self.loop)
