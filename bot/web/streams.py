"""Job messages handed from the event loop to the progress streams on the web server's threads.

The web adapter publishes on the loop (never blocking); each open progress stream reads its own
thread-safe inbox on a waitress thread. The newest message of recent jobs is kept, so a page
that opens (or reopens) a stream starts from where the job is.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

FINAL_EVENTS = frozenset({"done", "failed", "cancelled"})
REMEMBERED_JOBS = 64  # the newest message of this many jobs (a progress one holds a preview)


@dataclass(frozen=True)
class StreamMessage:
    """One server-sent event: queued | running | progress | done | failed | cancelled."""

    event: str
    data: dict[str, Any]

    @property
    def final(self) -> bool:
        return self.event in FINAL_EVENTS

    def encode(self) -> bytes:
        payload = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
        return f"event: {self.event}\ndata: {payload}\n\n".encode()


class StreamsFull(Exception):
    """Every stream slot is taken; the page falls back to asking now and then."""


class JobStreams:
    """Per-job fan-out with a cap on open streams (each one holds a web server thread)."""

    def __init__(self, max_open: int) -> None:
        self.max_open = max_open
        self._lock = threading.Lock()
        self._inboxes: dict[str, set[queue.SimpleQueue[StreamMessage | None]]] = {}
        self._latest: OrderedDict[str, StreamMessage] = OrderedDict()
        self._open = 0
        self._closed = False

    def publish(self, job_id: str, message: StreamMessage) -> None:
        """Called on the event loop: remember the message and hand it to the job's streams."""
        with self._lock:
            self._latest[job_id] = message
            self._latest.move_to_end(job_id)
            while len(self._latest) > REMEMBERED_JOBS:
                self._latest.popitem(last=False)
            for inbox in self._inboxes.get(job_id, ()):
                inbox.put(message)

    def latest(self, job_id: str) -> StreamMessage | None:
        with self._lock:
            return self._latest.get(job_id)

    def open(self, job_id: str) -> Subscription:
        """A new inbox for the job's messages; raises StreamsFull when the cap is reached."""
        inbox: queue.SimpleQueue[StreamMessage | None] = queue.SimpleQueue()
        with self._lock:
            if self._open >= self.max_open:
                raise StreamsFull
            self._open += 1
            self._inboxes.setdefault(job_id, set()).add(inbox)
            if self._closed:
                inbox.put(None)
        return Subscription(self, job_id, inbox)

    @property
    def open_count(self) -> int:
        with self._lock:
            return self._open

    def close(self) -> None:
        """End every open stream (the server is stopping); later streams end at once."""
        with self._lock:
            self._closed = True
            for inboxes in self._inboxes.values():
                for inbox in inboxes:
                    inbox.put(None)

    def _release(self, job_id: str, inbox: queue.SimpleQueue[StreamMessage | None]) -> None:
        with self._lock:
            inboxes = self._inboxes.get(job_id, set())
            inboxes.discard(inbox)
            if not inboxes:
                self._inboxes.pop(job_id, None)
            self._open -= 1


class Subscription:
    """One stream's inbox; `close()` gives its slot back (safe to call twice)."""

    def __init__(
        self, streams: JobStreams, job_id: str, inbox: queue.SimpleQueue[StreamMessage | None]
    ) -> None:
        self.job_id = job_id
        self._streams = streams
        self._inbox = inbox
        self._closed = False

    def receive(self, timeout: float) -> list[StreamMessage] | None:
        """The messages that arrived within `timeout` seconds ([] if none); None once closed.

        A backlog of progress messages is cut to the newest: a slow page needs only the latest
        preview.
        """
        try:
            first = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return []
        arrived = [first]
        while arrived[-1] is not None:
            try:
                arrived.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        if arrived[-1] is None:
            return None
        messages = [message for message in arrived if message is not None]
        return [
            message
            for index, message in enumerate(messages)
            if message.event != "progress"
            or index + 1 == len(messages)
            or messages[index + 1].event != "progress"
        ]

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._streams._release(self.job_id, self._inbox)
