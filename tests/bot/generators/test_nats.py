"""GPU workers behind the real NATS server: the line, kills, cancels, restarts, duplicates.

Each test has its own prefix and a 2 s AckWait (tests/bot/nats_workers.py); workers draw with
the smoke models on the CPU, in this process or as `thaidraw worker` processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import nats.errors
import pytest
from PIL import Image

from bot import messages
from bot.events import JobCancelled, JobDone, JobFailed, JobProgressed
from bot.generators.nats import NatsConfig, NatsGenerators
from bot.generators.nats_wire import NatsNames, WorkerEvent, connect
from bot.service import Accepted, DrawService, ServiceLimits
from generator.pictures import read_recipe
from storage.database import Database
from tests.bot.conftest import EventLog, draw_request, origin
from tests.bot.nats_workers import ONE_THREAD, InProcessWorker, WorkerProcess

pytestmark = pytest.mark.nats

WAIT_SECONDS = 90.0  # only a broken worker or front-end makes a test wait this long
# Steps (a smoke step at 64×64 takes 0.1–1 s on a busy 2-core machine): long enough to act
# on a running job; a job that must also finish afterwards has SHORT.
LONG = 400
SHORT = 10


class FrontEnd:
    """`thaidraw serve` with THAIDRAW_NATS_URL set: started and stopped as the test says."""

    def __init__(self, tmp_path: Path, settings) -> None:
        self.tmp_path = tmp_path
        self.settings = settings
        self.images_dir = tmp_path / "images"
        self.service: DrawService | None = None
        self.log = EventLog()

    async def start(self) -> DrawService:
        database = Database.open(f"sqlite:///{self.tmp_path / 'thaidraw.db'}")
        generators = NatsGenerators(NatsConfig(self.settings, self.images_dir))
        self.service = DrawService(
            database,
            generators,
            ServiceLimits(max_jobs_per_user=10, max_jobs_per_minute=50),
            images_dir=self.images_dir,
        )
        self.log = EventLog()
        self.service.subscribe("web", self.log)
        await self.service.start()
        return self.service

    async def stop(self) -> None:
        if self.service is not None:
            await self.service.stop(grace_seconds=1)
            self.service.database.close()
            self.service = None

    async def submit(self, steps: int = 3, who: str = "alice", size: int = 64) -> str:
        assert self.service is not None
        outcome = await self.service.submit(
            draw_request(steps=steps, size=size), origin(who), "/วาด คฤหาสน์"
        )
        assert isinstance(outcome, Accepted), outcome
        return outcome.job.id

    async def job(self, job_id: str):
        assert self.service is not None
        return await self.service.job(job_id)

    async def wait_for_state(self, job_id: str, status: str) -> None:
        """Until the job's row is in `status` (read from the database, as people would see it)."""
        async with asyncio.timeout(WAIT_SECONDS):
            while (await self.job(job_id)).status != status:  # noqa: ASYNC110  (a row, not an event)
                await asyncio.sleep(0.1)


@pytest.fixture
async def front_end(tmp_path, nats_settings) -> AsyncIterator[FrontEnd]:
    front = FrontEnd(tmp_path, nats_settings)
    await front.start()
    yield front
    await front.stop()


@pytest.fixture
async def workers(
    tmp_path,
    nats_settings,
    smoke_settings,
    monkeypatch,
) -> AsyncIterator[Callable[..., InProcessWorker]]:
    for variable, value in ONE_THREAD.items():
        monkeypatch.setenv(variable, value)  # their generator processes inherit it
    started: list[InProcessWorker] = []

    def start(name: str, **options) -> InProcessWorker:
        worker = InProcessWorker(
            name, nats_settings, smoke_settings, tmp_path / f"scratch-{name}", **options
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        await worker.stop()


async def wait_for_running_on(front: FrontEnd, job_id: str, worker: str | None = None) -> None:
    """Until the job runs (on `worker` when named) and a step of it has been seen."""
    await front.log.wait_for(job_id, JobProgressed)
    job = await front.job(job_id)
    assert job.status == "running"
    if worker is not None:
        assert job.worker == worker


async def eventually(condition: Callable[[], bool]) -> None:
    """Until `condition` holds (it fails the test after WAIT_SECONDS)."""
    async with asyncio.timeout(WAIT_SECONDS):
        while not condition():  # noqa: ASYNC110  (other tasks change what it reads)
            await asyncio.sleep(0.05)


def pictures_of(front: FrontEnd, job_id: str) -> list[str]:
    return sorted(path.name for path in front.images_dir.glob(f"{job_id}*"))


async def test_a_job_is_drawn_by_a_worker_and_its_picture_comes_back_named_by_it(
    front_end, workers
):
    workers("gpu-a")
    job_id = await front_end.submit(steps=3)
    done = await front_end.log.wait_for(job_id, JobDone)
    job = await front_end.job(job_id)
    assert (job.status, job.worker, job.attempts) == ("done", "gpu-a", 0)
    assert done.recipe["worker"] == "gpu-a"
    assert Image.open(done.image_path).size == (64, 64)
    assert read_recipe(done.image_path)["steps_done"] == 3
    assert pictures_of(front_end, job_id) == [f"{job_id}-preview.jpg", f"{job_id}.png"]
    assert [image.kind for image in job.images] == ["full", "preview"]


async def test_two_workers_share_one_line(front_end, workers):
    workers("gpu-a")
    workers("gpu-b")
    await eventually(lambda: sum(w.alive for w in status_now(front_end).workers) == 2)
    # Each worker takes one job at a time, so the second job waits for the idle worker.
    job_ids = [await front_end.submit(steps=SHORT, who=f"user{n}") for n in range(2)]
    for job_id in job_ids:
        await front_end.log.wait_for(job_id, JobDone)
    jobs = [await front_end.job(job_id) for job_id in job_ids]
    assert {job.worker for job in jobs} == {"gpu-a", "gpu-b"}
    status = front_end.service.generators.status()
    assert sorted(w.name for w in status.workers) == ["gpu-a", "gpu-b"]
    await eventually(lambda: sum(w.pictures for w in status_now(front_end).workers) == 2)


async def test_news_keeps_being_read_after_a_clean_up_fails(front_end, workers, monkeypatch):
    delete_pictures = NatsGenerators._delete_pictures
    failures = iter([nats.errors.TimeoutError()])

    async def flaky_delete(self, event: WorkerEvent) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure  # the object store did not answer in time
        await delete_pictures(self, event)

    monkeypatch.setattr(NatsGenerators, "_delete_pictures", flaky_delete)
    workers("gpu-a")
    for who in ("alice", "bob"):
        job_id = await front_end.submit(steps=SHORT, who=who)
        await front_end.log.wait_for(job_id, JobDone)


def status_now(front: FrontEnd):
    return front.service.generators.status()


async def test_a_worker_killed_mid_batch_leaves_exactly_one_picture_per_job(
    front_end,
    nats_settings,
    weights_dir,
    worker_processes,
    workers,
):
    doomed = WorkerProcess("doomed", nats_settings, weights_dir, batch_size=2)
    worker_processes.append(doomed)
    job_ids = [await front_end.submit(steps=SHORT, who=f"user{n}") for n in range(2)]
    for job_id in job_ids:
        await wait_for_running_on(front_end, job_id, "doomed")
    doomed.kill()
    workers("rescuer", batch_size=2)
    for job_id in job_ids:
        await front_end.log.wait_for(job_id, JobDone, count=1)
    for job_id in job_ids:
        job = await front_end.job(job_id)
        assert (job.status, job.worker, job.attempts) == ("done", "rescuer", 1)
        assert [image.kind for image in job.images] == ["full", "preview"]
        assert pictures_of(front_end, job_id) == [f"{job_id}-preview.jpg", f"{job_id}.png"]
        assert front_end.log.kinds(job_id).count("JobDone") == 1


async def test_a_job_whose_worker_is_killed_twice_fails_with_its_message(
    front_end,
    nats_settings,
    weights_dir,
    worker_processes,
    workers,
):
    job_id = await front_end.submit(steps=LONG)
    # Both start at once (their models load side by side); the job goes to one, then the other.
    doomed = {name: WorkerProcess(name, nats_settings, weights_dir) for name in ("a", "b")}
    worker_processes.extend(doomed.values())
    for _ in range(len(doomed)):
        await eventually(lambda: _worker_of(front_end, job_id) in doomed)
        doomed.pop(_worker_of(front_end, job_id)).kill()
    # A worker still pulling makes the server give the job up and say so (the sweep would too,
    # much later, with no worker left: tests/bot/test_remote_dispatcher.py).
    workers("bystander")
    failed = await front_end.log.wait_for(job_id, JobFailed)
    assert failed.reason == messages.GENERATOR_CRASHED
    job = await front_end.job(job_id)
    assert (job.status, job.attempts) == ("failed", 1)
    assert not await front_end.service.generators.in_line(_work(job))


def _worker_of(front: FrontEnd, job_id: str) -> str | None:
    running = front.service._dispatcher.running.get(job_id)
    return running.worker if running is not None else None


def _work(job):
    from bot.generators.wire import GeneratorJob

    return GeneratorJob(job.id, job.request)


async def test_a_queued_job_is_taken_out_of_line_and_a_running_one_stopped(front_end, workers):
    workers("gpu-a")
    running_id = await front_end.submit(steps=LONG)
    queued_id = await front_end.submit(steps=3)
    await wait_for_running_on(front_end, running_id, "gpu-a")
    service = front_end.service
    assert (await front_end.job(queued_id)).status == "queued"

    assert await service.cancel(origin(), queued_id) == messages.cancelled(queued_id)
    await front_end.log.wait_for(queued_id, JobCancelled)
    assert not await service.generators.in_line(_work(await front_end.job(queued_id)))

    assert await service.cancel(origin(), running_id) == messages.cancelling(running_id)
    await front_end.log.wait_for(running_id, JobCancelled)
    assert (await front_end.job(running_id)).status == "cancelled"
    # The worker is free again and never drew the job taken out of line.
    next_id = await front_end.submit(steps=2)
    await front_end.log.wait_for(next_id, JobDone)
    assert front_end.log.kinds(queued_id) == ["JobQueued", "JobCancelled"]


async def test_outcomes_published_while_the_front_end_is_stopped_are_all_recorded(
    front_end, workers
):
    worker = workers("gpu-a")
    job_id = await front_end.submit(steps=SHORT)
    await wait_for_running_on(front_end, job_id)
    await front_end.stop()
    await eventually(lambda: worker.worker.pictures == 1)
    await front_end.start()
    await front_end.wait_for_state(job_id, "done")
    job = await front_end.job(job_id)
    assert [image.kind for image in job.images] == ["full", "preview"]
    assert pictures_of(front_end, job_id) == [f"{job_id}-preview.jpg", f"{job_id}.png"]


async def test_a_duplicate_or_late_outcome_changes_nothing(front_end, workers, nats_settings):
    workers("gpu-a")
    job_id = await front_end.submit(steps=2)
    done = await front_end.log.wait_for(job_id, JobDone)
    before = await front_end.job(job_id)
    names = NatsNames(nats_settings.nats_prefix)
    client = await connect(nats_settings, "test-duplicates")
    js = client.jetstream()
    # The same outcome again (as a redelivered worker would send it), then a late failure.
    for event in (
        WorkerEvent("finished", job_id, "gpu-b", 2, "done", 2, 0.1, recipe=done.recipe),
        WorkerEvent("finished", job_id, "gpu-c", 3, "failed", failure="internal", detail="late"),
        WorkerEvent("started", job_id, "gpu-d", 4),
    ):
        await js.publish(names.event_subject(job_id), event.encode())
    await client.close()
    marker = await front_end.submit(steps=1)  # its news comes after the duplicates'
    await front_end.log.wait_for(marker, JobDone)
    assert await front_end.job(job_id) == before
    assert front_end.log.kinds(job_id).count("JobDone") == 1
    assert "JobFailed" not in front_end.log.kinds(job_id)


async def test_sigterm_hands_the_unfinished_jobs_back_to_the_line(
    front_end,
    nats_settings,
    weights_dir,
    worker_processes,
    workers,
):
    leaving = WorkerProcess("leaving", nats_settings, weights_dir, grace_seconds=0.5)
    worker_processes.append(leaving)
    job_id = await front_end.submit(steps=LONG)
    await wait_for_running_on(front_end, job_id, "leaving")
    leaving.terminate()
    assert leaving.wait(timeout=60) == 0
    await front_end.wait_for_state(job_id, "queued")
    job = await front_end.job(job_id)
    assert (job.attempts, job.worker) == (0, None)
    workers("staying")
    await eventually(lambda: _worker_of(front_end, job_id) == "staying")
    assert (await front_end.job(job_id)).attempts == 0  # handed back: no fault of the job
