from __future__ import annotations

import pytest

from bot.web import streams
from bot.web.streams import JobStreams, StreamMessage, StreamsFull


def progress(step: int) -> StreamMessage:
    return StreamMessage("progress", {"step": step, "total": 9})


def test_a_message_reaches_every_stream_of_its_job_and_no_other() -> None:
    hub = JobStreams(max_open=4)
    first, second, other = hub.open("job-a"), hub.open("job-a"), hub.open("job-b")
    hub.publish("job-a", progress(1))
    assert first.receive(timeout=0.1) == [progress(1)]
    assert second.receive(timeout=0.1) == [progress(1)]
    assert other.receive(timeout=0.01) == []


def test_the_newest_message_of_recent_jobs_is_kept_for_late_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(streams, "REMEMBERED_JOBS", 2)
    hub = JobStreams(max_open=4)
    hub.publish("old", progress(1))
    hub.publish("job", progress(1))
    hub.publish("job", progress(2))
    hub.publish("new", progress(1))
    assert hub.latest("job") == progress(2)
    assert hub.latest("old") is None  # forgotten: storage answers for it


def test_streams_are_capped_and_closing_one_frees_its_slot() -> None:
    hub = JobStreams(max_open=2)
    first = hub.open("job")
    hub.open("job")
    with pytest.raises(StreamsFull):
        hub.open("job")
    first.close()
    first.close()  # twice is harmless
    assert hub.open_count == 1
    hub.open("job")


def test_a_backlog_of_previews_is_cut_to_the_newest_but_other_messages_stay() -> None:
    hub = JobStreams(max_open=1)
    inbox = hub.open("job")
    started = StreamMessage("running", {"step": 0, "total": 9})
    done = StreamMessage("done", {"job": {}})
    for message in (started, progress(1), progress(2), progress(3), done):
        hub.publish("job", message)
    assert inbox.receive(timeout=0.1) == [started, progress(3), done]


def test_closing_the_hub_ends_open_and_later_streams() -> None:
    hub = JobStreams(max_open=2)
    inbox = hub.open("job")
    hub.close()
    assert inbox.receive(timeout=0.1) is None
    assert hub.open("job").receive(timeout=0.1) is None


def test_a_message_is_one_server_sent_event_with_thai_left_readable() -> None:
    message = StreamMessage("failed", {"reason": "วาดไม่สำเร็จ"})
    assert message.encode() == 'event: failed\ndata: {"reason":"วาดไม่สำเร็จ"}\n\n'.encode()
    assert message.final
    assert not progress(1).final
