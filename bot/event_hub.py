"""The service's events: recorded in arrival order, then handed to each platform and observer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.events import JobEvent, ServiceEvent

log = logging.getLogger(__name__)

EventHandler = Callable[[JobEvent], Awaitable[None]]
Observer = Callable[[ServiceEvent], None]  # quick, on the loop: metrics, logs
Recording = Callable[[], Awaitable[JobEvent | None]]  # storage work whose result is the event


class NotDelivered(Exception):
    """An adapter cannot carry the event out now (its platform client is closed); a job's last
    event then stays owed to its user until the next start."""


class EventHub:
    """One line of events: each is recorded in its turn, then goes to its platform's outbox."""

    def __init__(self) -> None:
        self._outboxes: dict[str, Outbox] = {}
        self._observers: list[Observer] = []
        self._line: asyncio.Queue[JobEvent | Recording] = asyncio.Queue()
        self._recorder: asyncio.Task | None = None

    def start(self) -> None:
        self._recorder = asyncio.create_task(self._run(), name="thaidraw-recorder")

    async def stop(self, grace_seconds: float) -> None:
        """Record what is in line, then deliver what the outboxes hold (for up to the grace)."""
        await self.settled()
        await cancel_task(self._recorder)
        for outbox in self._outboxes.values():
            await outbox.drain(grace_seconds)

    def subscribe(self, platform: str, handler: EventHandler) -> None:
        """Events of jobs from `platform` go to `handler`, in order, one at a time.

        Each platform has its own outbox, so a slow platform never holds up the others.
        """
        self._outboxes[platform] = Outbox(platform, handler)

    def observe(self, observer: Observer) -> None:
        """Also hand every job event (all platforms) and every feedback to `observer`."""
        self._observers.append(observer)

    def publish(self, event: JobEvent) -> None:
        """An event whose storage work is done; it still waits for the events ahead of it."""
        self._line.put_nowait(event)

    def record(self, recording: Recording) -> None:
        """An event that storage must record first, in its turn (a generator's update)."""
        self._line.put_nowait(recording)

    def deliver(self, event: JobEvent) -> None:
        """To its platform's outbox only, not to observers (an outcome a restart still owes was
        observed when it was recorded)."""
        outbox = self._outboxes.get(event.job.platform)
        if outbox is not None:
            outbox.put(event)

    @property
    def platforms(self) -> list[str]:
        """The platforms that have an outbox."""
        return list(self._outboxes)

    def notify(self, event: ServiceEvent) -> None:
        """Observers only, at once (feedback, which no adapter is sent)."""
        for observer in self._observers:
            try:
                observer(event)
            except Exception:
                log.exception("observer %r failed on %r", observer, event)

    async def settled(self) -> None:
        """Wait until every event so far is recorded and in its outbox."""
        await self._line.join()

    async def _run(self) -> None:
        while True:
            item = await self._line.get()
            try:
                event = item if isinstance(item, JobEvent) else await item()
                if event is not None:
                    self.deliver(event)
                    self.notify(event)
            except Exception:
                log.exception("could not record %r", item)
            finally:
                self._line.task_done()


class Outbox:
    """Hands one platform's events to its adapter one at a time, in order, on its own task."""

    def __init__(self, platform: str, handler: EventHandler) -> None:
        self.platform = platform
        self.handler = handler
        self._queue: asyncio.Queue[JobEvent] = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name=f"thaidraw-outbox-{platform}")

    def put(self, event: JobEvent) -> None:
        self._queue.put_nowait(event)

    async def drain(self, grace_seconds: float) -> None:
        """Deliver what is waiting (for up to `grace_seconds`), then stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_seconds):
                await self._queue.join()
        await cancel_task(self._task)

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self.handler(event)
            except NotDelivered as refusal:
                log.warning("the %s adapter did not deliver %r: %s", self.platform, event, refusal)
            except Exception:
                log.exception("the %s adapter failed on %r", self.platform, event)
            finally:
                self._queue.task_done()


async def cancel_task(task: asyncio.Task | None) -> None:
    """Cancel a task and wait until it has ended."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
