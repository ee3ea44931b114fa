"""Hands work from the WSGI server's threads to the asyncio loop that owns the core."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopBusy(TimeoutError):
    """The loop did not take the call up in time, so the call was never run: nothing changed."""


class _Admission:
    """Decides, once, whether a call runs (the loop took it up) or never will (the caller left)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = "waiting"  # → "running" | "abandoned"

    def start(self) -> bool:
        with self._lock:
            if self._state == "waiting":
                self._state = "running"
            return self._state == "running"

    def abandon(self) -> bool:
        """True when the call had not started and now never will."""
        with self._lock:
            if self._state == "waiting":
                self._state = "abandoned"
            return self._state == "abandoned"


class LoopBridge:
    """Runs coroutines on the core's event loop from other threads."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a quick coroutine on the loop and return its outcome (never wait on a generation).

        `timeout` bounds the wait for the loop to take the call up. A call it did not take up in
        time never runs, and LoopBusy says so. One that started is never cut short half-way
        (it may have stored a job already): its caller waits for the outcome, which is the truth.
        """
        admission = _Admission()
        future = asyncio.run_coroutine_threadsafe(_run_if_admitted(coroutine, admission), self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            if admission.abandon():
                raise LoopBusy(
                    f"the event loop did not take the call up within {timeout:g} s"
                ) from None
            return future.result()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Start a coroutine on the loop without waiting for it."""
        asyncio.run_coroutine_threadsafe(coroutine, self.loop)


async def _run_if_admitted(coroutine: Coroutine[Any, Any, T], admission: _Admission) -> T:
    if not admission.start():
        coroutine.close()
        raise LoopBusy("the caller stopped waiting before the event loop took the call up")
    return await coroutine
