"""The loop bridge never answers "busy" for work that goes on: a call runs whole, or not at all."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Iterator

import pytest

from bot.bridge import LoopBridge, LoopBusy
from tests.bot.web.conftest import LoopThread


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    running = LoopThread()
    yield running
    running.stop()


def test_a_call_slower_than_the_timeout_returns_its_real_outcome(loop: LoopThread) -> None:
    stored: list[str] = []

    async def slow_store() -> str:
        await asyncio.sleep(0.5)  # slowed on purpose: longer than the caller's timeout
        stored.append("job")
        return "accepted"

    assert LoopBridge(loop.loop).call(slow_store(), timeout=0.1) == "accepted"
    assert stored == ["job"]


def test_a_call_the_blocked_loop_did_not_take_up_in_time_never_runs(loop: LoopThread) -> None:
    ran: list[str] = []

    async def store() -> None:
        ran.append("job")

    loop.loop.call_soon_threadsafe(time.sleep, 0.5)  # something blocks the loop
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "coroutine was never awaited"
        with pytest.raises(LoopBusy, match=r"did not take the call up within 0\.1 s"):
            LoopBridge(loop.loop).call(store(), timeout=0.1)
        assert loop.run(asyncio.sleep(0.6, "unblocked")) == "unblocked"
    assert ran == []


def test_errors_of_the_call_reach_the_caller_even_after_the_timeout(loop: LoopThread) -> None:
    async def fails_late() -> None:
        await asyncio.sleep(0.3)
        raise TimeoutError("the coroutine's own timeout")

    with pytest.raises(TimeoutError, match="the coroutine's own timeout") as raised:
        LoopBridge(loop.loop).call(fails_late(), timeout=0.1)
    assert not isinstance(raised.value, LoopBusy)
