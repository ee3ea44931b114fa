"""The body of one job's progress stream (server-sent events), read on a web server thread."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from bot.web.streams import StreamMessage, Subscription
from bot.web.views import queued_message

RETRY_MILLISECONDS = 1000  # how soon the browser reconnects when a stream ends early
POLL_SECONDS = 2.0  # how often a waiting job's place in line is looked up
KEEP_ALIVE_SECONDS = 15.0  # a comment line; it also finds out when the browser has gone
MAX_STREAM_SECONDS = 300.0  # then the browser reconnects, so no stream holds a thread forever


class JobEventStream:
    """A snapshot of the job first, then its messages until a final one.

    The subscription is opened before the snapshot is read, so nothing falls between them
    (a message may come twice, which the page ignores). Waitress calls `close()` when the
    browser goes away or the stream ends; that gives the stream's slot back.
    """

    def __init__(
        self,
        subscription: Subscription,
        snapshot: Callable[[], StreamMessage],
        position: Callable[[], int | None],
        *,
        clock: Callable[[], float] = time.monotonic,
        poll_seconds: float = POLL_SECONDS,
        max_seconds: float = MAX_STREAM_SECONDS,
    ) -> None:
        self.subscription = subscription
        self.snapshot = snapshot
        self.position = position
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.max_seconds = max_seconds

    def __iter__(self) -> Iterator[bytes]:
        started = last_sent = self.clock()
        yield f"retry: {RETRY_MILLISECONDS}\n\n".encode()
        latest = self.snapshot()
        yield latest.encode()
        while not latest.final and self.clock() - started < self.max_seconds:
            arrived = self.subscription.receive(timeout=self.poll_seconds)
            if arrived is None:
                return  # the server is stopping
            if not arrived and latest.event == "queued":
                position = self.position()  # None once the job has left the line
                if position is not None and queued_message(position) != latest:
                    arrived = [queued_message(position)]
            for message in arrived:
                latest = message
                last_sent = self.clock()
                yield message.encode()
                if message.final:
                    return
            if self.clock() - last_sent >= KEEP_ALIVE_SECONDS:
                last_sent = self.clock()
                yield b": keep-alive\n\n"

    def close(self) -> None:
        self.subscription.close()
