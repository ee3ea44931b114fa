"""RemoteDispatcher's sweep: queued rows the line lost go back; running rows nobody finishes end.

The line is a fake here (what is in it is the test's to say); tests/bot/generators/test_nats.py
has the real server.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot import messages
from bot.dispatcher import MAX_ATTEMPTS
from bot.event_hub import EventHub
from bot.events import JobFailed
from bot.generators import GeneratorState, GeneratorStatus
from bot.generators.remote import JobReturned, JobTaken
from bot.generators.wire import GeneratorJob
from bot.remote_dispatcher import LOST_AFTER_REDELIVERIES, RemoteDispatcher
from storage.database import Database
from tests.storage.builders import new_job

REDELIVERY_SECONDS = 1.0


class FakeLine:
    """RemoteGenerators whose line holds what the test puts there."""

    redelivery_seconds = REDELIVERY_SECONDS
    alive = True

    def __init__(self) -> None:
        self.line: set[str] = set()
        self.published: list[str] = []
        self.cancelled: list[str] = []  # every cancel sent to the workers
        self.news = 0

    def status(self) -> GeneratorStatus:
        return GeneratorStatus(GeneratorState.READY)

    async def start(self, on_progress, on_news) -> None:
        self.on_news = on_news

    async def news_waiting(self) -> int:
        return self.news

    async def publish(self, job: GeneratorJob) -> None:
        self.published.append(job.job_id)
        self.line.add(job.job_id)

    async def in_line(self, job: GeneratorJob) -> bool:
        return job.job_id in self.line

    async def withdraw(self, job: GeneratorJob) -> None:
        self.line.discard(job.job_id)

    def cancel(self, job_id: str) -> None:
        self.cancelled.append(job_id)

    async def stop(self) -> None:
        pass


async def started(tmp_path: Path) -> tuple[RemoteDispatcher, FakeLine, Database, list]:
    database = Database.open(f"sqlite:///{tmp_path / 'thaidraw.db'}")
    hub, events = EventHub(), []

    async def collect(event) -> None:
        events.append(event)

    hub.start()
    hub.subscribe("discord", collect)
    line = FakeLine()
    dispatcher = RemoteDispatcher(database, line, hub)
    await dispatcher.start()
    return dispatcher, line, database, events


def user(database: Database) -> int:
    return database.users.get_or_create("discord", "1", "Nok").id


async def test_a_queued_job_the_line_lost_goes_back_into_it(tmp_path):
    dispatcher, line, database, _ = await started(tmp_path)
    job = new_job(database, user(database))
    await dispatcher.sweep()
    assert line.published == [job.id]
    await dispatcher.sweep()
    assert line.published == [job.id]  # in line now: once is enough


async def test_a_running_job_out_of_line_and_silent_is_drawn_once_more_then_failed(tmp_path):
    dispatcher, line, database, events = await started(tmp_path)
    job = new_job(database, user(database))
    for attempt in (1, 2):
        await line.on_news(JobTaken(job.id, "gpu-a", attempt))
        line.line.discard(job.id)  # acknowledged, but its outcome never came
        dispatcher._heard[job.id] = time.time() - LOST_AFTER_REDELIVERIES * REDELIVERY_SECONDS - 1
        await dispatcher.sweep()
    stored = database.jobs.get(job.id)
    assert (stored.status, stored.attempts) == ("failed", 2)
    assert line.published == [job.id]  # put back once, after the first loss
    await asyncio.sleep(0.1)
    assert [event.reason for event in events if isinstance(event, JobFailed)] == [
        messages.GENERATOR_CRASHED
    ]


async def test_nothing_is_swept_while_the_workers_news_waits_to_be_recorded(tmp_path):
    dispatcher, line, database, _ = await started(tmp_path)
    job = new_job(database, user(database))
    line.news = 3  # its outcome may be among them
    await dispatcher.sweep()
    assert line.published == []
    assert database.jobs.get(job.id).status == "queued"


async def test_a_running_job_still_in_line_is_left_to_the_server(tmp_path):
    dispatcher, line, database, _ = await started(tmp_path)
    job = new_job(database, user(database))
    await line.on_news(JobTaken(job.id, "gpu-a", 1))
    line.line.add(job.id)
    dispatcher._heard[job.id] = time.time() - LOST_AFTER_REDELIVERIES * REDELIVERY_SECONDS - 1
    await dispatcher.sweep()
    assert database.jobs.get(job.id).status == "running"


async def test_a_running_job_in_line_silent_past_every_delivery_is_withdrawn_and_failed(tmp_path):
    """The server gave it up while nobody heard its advisory (no worker pulled, or the bot was
    away): after all its deliveries' time, the sweep takes it out of line and tells its user."""
    dispatcher, line, database, events = await started(tmp_path)
    job = new_job(database, user(database))
    await line.on_news(JobTaken(job.id, "gpu-a", 2))
    line.line.add(job.id)
    lost_after = LOST_AFTER_REDELIVERIES * REDELIVERY_SECONDS
    dispatcher._heard[job.id] = time.time() - (MAX_ATTEMPTS + 1) * lost_after - 1
    await dispatcher.sweep()
    assert database.jobs.get(job.id).status == "failed"
    assert job.id not in line.line
    await asyncio.sleep(0.1)
    assert [event.reason for event in events if isinstance(event, JobFailed)] == [
        messages.GENERATOR_CRASHED
    ]


async def test_a_cancel_is_told_again_to_the_worker_that_takes_the_job_next(tmp_path):
    """The worker drawing it died; the one that takes it later never heard the first cancel."""
    dispatcher, line, database, _ = await started(tmp_path)
    job = new_job(database, user(database))
    await line.on_news(JobTaken(job.id, "gpu-a", 1))
    assert await dispatcher.cancel(database.jobs.get(job.id)) == messages.cancelling(job.id)
    await line.on_news(JobTaken(job.id, "gpu-b", 2))
    assert line.cancelled == [job.id, job.id]
    assert database.jobs.get(job.id).worker == "gpu-a"  # not started again for gpu-b


async def test_a_late_hand_back_from_a_worker_that_lost_the_job_changes_nothing(tmp_path):
    dispatcher, line, database, _ = await started(tmp_path)
    job = new_job(database, user(database))
    await line.on_news(JobTaken(job.id, "gpu-a", 1))
    await line.on_news(JobTaken(job.id, "gpu-b", 2))  # gpu-a hung; its delivery went to gpu-b
    await line.on_news(JobReturned(job.id, "gpu-a"))  # gpu-a, restarted, hands back its copy
    stored = database.jobs.get(job.id)
    assert (stored.status, stored.worker) == ("running", "gpu-b")
    assert job.id in dispatcher.running
