from __future__ import annotations

import json
from collections.abc import Iterator

from bot.web.sse import KEEP_ALIVE_SECONDS, RETRY_MILLISECONDS, JobEventStream
from bot.web.streams import JobStreams, StreamMessage


class FakeClock:
    """Moves on by `step` seconds at every reading."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def events(chunks: Iterator[bytes]) -> list[tuple[str, dict]]:
    """(event, data) of each event chunk; comments and the retry line are left out."""
    parsed = []
    for chunk in chunks:
        text = chunk.decode()
        if text.startswith("event: "):
            head, data = text.strip().split("\n")
            parsed.append((head.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return parsed


QUEUED = StreamMessage("queued", {"position": 2})
DONE = StreamMessage("done", {"job": {"id": "abc"}})


def stream(hub: JobStreams, snapshot: StreamMessage, positions=(), **options) -> JobEventStream:
    answers = iter(positions)
    return JobEventStream(
        hub.open("job"),
        lambda: snapshot,
        lambda: next(answers, None),
        poll_seconds=0.01,
        **options,
    )


def test_the_stream_starts_with_the_snapshot_and_ends_after_the_final_message() -> None:
    hub = JobStreams(max_open=1)
    body = stream(hub, QUEUED)
    chunks = iter(body)
    assert next(chunks) == f"retry: {RETRY_MILLISECONDS}\n\n".encode()
    assert next(chunks) == QUEUED.encode()
    hub.publish("job", StreamMessage("running", {"step": 0, "total": 3}))
    hub.publish("job", DONE)
    assert [name for name, _ in events(chunks)] == ["running", "done"]
    body.close()
    assert hub.open_count == 0


def test_a_finished_job_gets_its_snapshot_and_nothing_more() -> None:
    hub = JobStreams(max_open=1)
    assert events(iter(stream(hub, DONE))) == [("done", {"job": {"id": "abc"}})]


def test_a_waiting_job_hears_when_its_place_in_line_changes() -> None:
    hub = JobStreams(max_open=1)
    chunks = iter(stream(hub, QUEUED, positions=(2, 1, None, None)))
    next(chunks), next(chunks)  # retry, snapshot
    assert events(iter([next(chunks)])) == [("queued", {"position": 1})]
    hub.publish("job", DONE)
    assert [name for name, _ in events(chunks)] == ["done"]


def test_a_quiet_stream_sends_keep_alives_and_ends_after_its_time_so_the_page_reconnects() -> None:
    hub = JobStreams(max_open=1)
    running = StreamMessage("running", {"step": 0, "total": 3})
    clock = FakeClock(step=KEEP_ALIVE_SECONDS / 2)
    chunks = list(stream(hub, running, clock=clock, max_seconds=KEEP_ALIVE_SECONDS * 3))
    assert b": keep-alive\n\n" in chunks
    assert chunks[-1] == b": keep-alive\n\n"


def test_a_stopping_server_ends_the_stream() -> None:
    hub = JobStreams(max_open=1)
    body = stream(hub, QUEUED)
    hub.close()
    assert [name for name, _ in events(iter(body))] == ["queued"]
