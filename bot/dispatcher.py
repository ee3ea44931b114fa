"""The dispatcher: from the waiting line to the generators, and every job they held settled."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from bot import messages
from bot.event_hub import EventHub, cancel_task
from bot.events import (
    JobCancelled,
    JobDone,
    JobEvent,
    JobFailed,
    JobProgressed,
    JobQueued,
    JobStarted,
)
from bot.generators import (
    GeneratorDied,
    Generators,
    GeneratorUnavailable,
    JobUpdate,
)
from bot.generators.wire import GeneratorJob, JobFinished, JobProgress
from bot.job_queue import JobQueue, PendingJob
from generator.request import DrawRequest
from storage.database import Database
from storage.errors import InvalidTransition
from storage.jobs import JobRepository
from storage.records import JobRecord

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # a job the generator dies on is tried once more, then failed
RESTART_PAUSE_SECONDS = 5.0  # after a death while starting, before the next try
STORAGE_RETRY_SECONDS = 5.0  # after the database refused to mark jobs running


class Dispatcher:
    """The only part of the service that knows the generators; all methods run on the loop.

    Whenever places may have opened (a job came, a job finished, the generators died) it sends
    the generators what the line's order and their places allow (`JobQueue.take`).
    """

    def __init__(
        self, database: Database, generators: Generators, queue: JobQueue, hub: EventHub
    ) -> None:
        self.database = database
        self.generators = generators
        self.queue = queue
        self.hub = hub
        self.running: dict[str, JobRecord] = {}
        # Taken from the line and not yet with the generators: counted as running meanwhile, so
        # that a job is never out of both counts.
        self._starting: set[str] = set()
        # Running or starting jobs whose users asked to stop them: told to the generators once
        # they hold the job, and never drawn again should the generators die first.
        self._stop_asked: set[str] = set()
        self._handover: asyncio.Task | None = None
        # How long a job takes from joining to its picture (the last one seen): a job of another
        # size that waited longer than this stops the running size from taking more jobs.
        self.job_seconds: float | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Take up the jobs a previous run left, then send batches as jobs come."""
        await self._recover_jobs()
        self._task = asyncio.create_task(self._dispatch(), name="thaidraw-dispatcher")

    async def stop(self, grace_seconds: float) -> None:
        """Send nothing more; the running batch finishes in the grace period or waits in line."""
        await cancel_task(self._task)
        if self._handover is not None:
            await self._handover  # the generators then hold its jobs, and give them back
        for job_id in await self.generators.stop(grace_seconds):
            await asyncio.to_thread(self.database.jobs.requeue, job_id, count_attempt=False)

    async def enqueue(self, job: JobRecord) -> int:
        """Put a stored job in line; returns its position (1 = next)."""
        return self._enqueue(job)

    async def position(self, job_id: str) -> int | None:
        """The job's place in line (1 = next); None when it is not waiting."""
        return self.queue.position(job_id)

    async def waiting(self) -> int:
        return len(self.queue)

    def running_count(self) -> int:
        """Jobs the generators hold, or are being handed."""
        return len(self.running) + len(self._starting)

    async def waiting_ids(self) -> list[str]:
        return self.queue.job_ids()

    def _enqueue(self, job: JobRecord) -> int:
        position = self.queue.push(pending_job(job))
        self.hub.publish(JobQueued(job, position))
        self._wake.set()
        return position

    async def cancel(self, job: JobRecord) -> str:
        """Take a waiting job out of line, or ask the generators to stop a running one."""
        if self.queue.remove(job.id) is not None:
            job = await asyncio.to_thread(self.database.jobs.mark_cancelled, job.id)
            self.hub.publish(JobCancelled(job))
            return messages.cancelled(job.id)
        if job.id in self.running or job.id in self._starting:
            self._stop_asked.add(job.id)
            if job.id in self.running:
                self.generators.cancel(job.id)
            return messages.cancelling(job.id)
        return messages.NOTHING_TO_CANCEL

    async def _recover_jobs(self) -> None:
        """Queue again every job a previous run left queued or running; none is silently lost."""
        left = await asyncio.to_thread(self.database.jobs.in_states, ("queued", "running"))
        for job in left:
            if job.status == "running":
                job = await asyncio.to_thread(self.database.jobs.requeue, job.id)
                if job.attempts >= MAX_ATTEMPTS:
                    await self._fail(job, messages.INTERRUPTED_TWICE, "interrupted twice")
                    continue
            self._enqueue(job)
        if left:
            log.info("took up %d jobs left from the last run", len(left))

    async def _dispatch(self) -> None:
        while True:
            self._wake.clear()
            if not self.generators.alive:
                await self.hub.settled()  # a death's jobs are back in line before a restart
                await self._start_generators()
                continue
            await self._send_waiting_jobs()
            await self._wake.wait()

    async def _send_waiting_jobs(self) -> None:
        """Fill the generators' free places from the line, in its order."""
        taken = self.queue.take(self.generators.places, starving_after=self.job_seconds)
        if not taken:
            return
        # A stop waits for the handover to end rather than cut it between the database and the
        # generators (jobs marked running that no one holds would lose an attempt).
        self._handover = asyncio.create_task(self._hand_over(taken), name="thaidraw-handover")
        await asyncio.shield(self._handover)

    async def _hand_over(self, taken: list[PendingJob]) -> None:
        """Mark the jobs running, then give them to the generators (in the line's order)."""
        self._starting.update(pending.job_id for pending in taken)
        started: list[JobRecord] = []
        try:
            for pending in taken:
                started.append(
                    await asyncio.to_thread(self.database.jobs.mark_running, pending.job_id)
                )
        except Exception:
            log.exception("could not mark jobs running; they wait in line for another try")
            for pending in reversed(taken[len(started) :]):
                self._starting.discard(pending.job_id)
                self.queue.push(pending, front=True)
            asyncio.get_running_loop().call_later(STORAGE_RETRY_SECONDS, self._wake.set)
        self._starting.difference_update(job.id for job in started)
        if not started:
            return
        for job in started:
            self.running[job.id] = job
            self.hub.publish(JobStarted(job))
        try:
            self.generators.submit([GeneratorJob(job.id, job.request) for job in started])
        except GeneratorDied as died:
            self.hub.record(partial(self._requeue_after_death, died))
            return
        for job in started:
            if job.id in self._stop_asked:
                self.generators.cancel(job.id)

    async def _start_generators(self) -> None:
        """Start (or restart) them; if they cannot load their models, tell whoever waits."""
        try:
            await self.generators.start(self._on_update)
        except GeneratorUnavailable as error:
            await self._fail_waiting_jobs(messages.GENERATOR_UNAVAILABLE, str(error))
            await self.queue.wait_for_jobs()  # a new job: try to load the models again
        except GeneratorDied as died:
            log.error("generator process died while starting: %s", died)
            await asyncio.sleep(RESTART_PAUSE_SECONDS)

    async def _requeue_after_death(self, died: GeneratorDied) -> None:
        """Each job the generators held goes back to the front of the line once, then fails."""
        log.error("generator process died holding %s", died.unfinished_job_ids)
        for job_id in reversed(died.unfinished_job_ids):
            self.running.pop(job_id, None)
            if job_id in self._stop_asked:  # its user asked to stop it: not drawn again
                self._stop_asked.discard(job_id)
                job = await asyncio.to_thread(self.database.jobs.mark_cancelled, job_id)
                self.hub.publish(JobCancelled(job))
                continue
            job = await asyncio.to_thread(self.database.jobs.requeue, job_id)
            if job.attempts >= MAX_ATTEMPTS:
                await self._fail(
                    job, messages.GENERATOR_CRASHED, f"generator process died ({died.exit_code})"
                )
            else:
                self.queue.push(pending_job(job), front=True)
        self._wake.set()

    async def _fail_waiting_jobs(self, reason: str, detail: str) -> None:
        """Without models nothing can be drawn: tell everyone waiting rather than let them wait."""
        while len(self.queue):
            for pending in self.queue.take_all():
                job = await asyncio.to_thread(self.database.jobs.get, pending.job_id)
                if job is not None:
                    await self._fail(job, reason, detail)

    async def _fail(self, job: JobRecord, reason: str, detail: str) -> None:
        self.hub.publish(await fail_job(self.database, job.id, reason, detail))

    def _on_update(self, update: JobUpdate | GeneratorDied) -> None:
        if isinstance(update, GeneratorDied):
            self.hub.record(partial(self._requeue_after_death, update))  # after what came before
            return
        if isinstance(update, JobFinished):
            if update.status == "done":
                self.job_seconds = update.seconds
            self._wake.set()  # a place is free
        self.hub.record(partial(self._record, update))

    async def _record(self, update: JobUpdate) -> JobEvent | None:
        """Store what the generators reported; the event for the adapters, if any."""
        if isinstance(update, JobProgress):
            job = self.running.get(update.job_id)
            if job is None:
                return None
            return JobProgressed(
                job, update.step, update.total, update.preview_jpeg, update.seconds_per_step
            )
        return await self._record_finished(update)

    async def _record_finished(self, finished: JobFinished) -> JobEvent | None:
        self.running.pop(finished.job_id, None)
        self._stop_asked.discard(finished.job_id)
        return await record_outcome(self.database, finished)


async def fail_job(database: Database, job_id: str, reason: str, detail: str) -> JobFailed:
    """Fail a job: `detail` for the operator's log, `reason` (Thai) for its user."""
    job = await asyncio.to_thread(database.jobs.mark_failed, job_id, detail)
    return JobFailed(job, reason)


async def record_outcome(database: Database, finished: JobFinished) -> JobEvent | None:
    """Store a job's outcome; None when it already has one (a duplicate or late outcome)."""
    try:
        return await _store_outcome(database.jobs, finished)
    except InvalidTransition as late:
        log.info("ignored a second outcome of job %s (%s)", finished.job_id, late)
        return None


async def _store_outcome(jobs: JobRepository, finished: JobFinished) -> JobEvent:
    if finished.status == "cancelled":
        return JobCancelled(await asyncio.to_thread(jobs.mark_cancelled, finished.job_id))
    if finished.status == "failed":
        job = await asyncio.to_thread(jobs.mark_failed, finished.job_id, finished.detail)
        return JobFailed(job, messages.failure_reason(finished.failure))
    models = finished.recipe.get("models")
    job = await asyncio.to_thread(jobs.mark_done, finished.job_id, finished.pictures, models)
    full, preview = (
        next(p.path for p in finished.pictures if p.kind == kind) for kind in ("full", "preview")
    )
    return JobDone(job, full, preview, finished.recipe, finished.seconds)


def pending_job(job: JobRecord) -> PendingJob:
    """A stored job as the line holds it."""
    size = DrawRequest.from_dict(job.request).size
    return PendingJob(job.id, job.user_id, size, community=job.conversation.get("community", ""))
