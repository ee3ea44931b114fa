"""The dispatcher for GPU workers behind NATS: the line is theirs, the database keeps the truth.

Admitted jobs go straight into the workers' line; their place in it comes from the database.
What the workers say (taken, handed back, finished) is recorded here before NATS forgets it,
and a duplicate or late word changes nothing. A periodic sweep puts back in line the queued jobs
the line lost, and settles the running jobs that nobody will finish.
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial

from bot import messages
from bot.dispatcher import MAX_ATTEMPTS, fail_job, record_outcome
from bot.event_hub import EventHub, cancel_task
from bot.events import JobCancelled, JobEvent, JobProgressed, JobQueued, JobStarted
from bot.generators import JobUpdate
from bot.generators.remote import (
    JobExhausted,
    JobReturned,
    JobTaken,
    RemoteGenerators,
    WorkerNews,
)
from bot.generators.wire import GeneratorJob, JobFinished, JobProgress
from storage.database import Database
from storage.errors import InvalidTransition
from storage.records import JobRecord

log = logging.getLogger(__name__)

# Running, out of the line, and not heard of for this many redelivery periods (AckWait): lost.
LOST_AFTER_REDELIVERIES = 5


class RemoteDispatcher:
    """Same duties as `Dispatcher`, for RemoteGenerators; all methods run on the loop."""

    def __init__(
        self,
        database: Database,
        generators: RemoteGenerators,
        hub: EventHub,
    ) -> None:
        self.database = database
        self.generators = generators
        self.hub = hub
        self.sweep_every = generators.redelivery_seconds
        self.lost_after = LOST_AFTER_REDELIVERIES * generators.redelivery_seconds
        self.running: dict[str, JobRecord] = {}
        self._heard: dict[str, float] = {}  # job id → when its worker was last heard of
        # Running jobs whose users asked to stop them: told again to whichever worker takes the
        # job next (a cancel is heard only by the workers up at the moment it is sent).
        self._stop_asked: set[str] = set()
        self._sweeper: asyncio.Task | None = None

    async def start(self) -> None:
        """Connect, take up the running jobs, and put back in line the queued ones it lacks."""
        await self.generators.start(self._on_progress, self._on_news)
        for job in await asyncio.to_thread(self.database.jobs.in_states, ("running",)):
            self.running[job.id] = job
        await self.sweep()
        self._sweeper = asyncio.create_task(self._sweep_now_and_then(), name="thaidraw-sweep")

    async def stop(self, grace_seconds: float) -> None:
        """Stop listening; the jobs stay in the workers' line (and their rows in the database)."""
        await cancel_task(self._sweeper)
        await self.generators.stop()

    async def enqueue(self, job: JobRecord) -> int:
        """Tell its user its place, then put it in line (the sweep retries if NATS is away)."""
        position = await self.position(job.id) or 1
        self.hub.publish(JobQueued(job, position))
        try:
            await self.generators.publish(GeneratorJob(job.id, job.request))
        except Exception as error:
            log.warning("job %s is not in line yet (%s); the sweep puts it there", job.id, error)
        return position

    async def position(self, job_id: str) -> int | None:
        return await asyncio.to_thread(self.database.jobs.queue_position, job_id)

    async def waiting(self) -> int:
        return await asyncio.to_thread(self.database.jobs.count_in_state, "queued")

    def running_count(self) -> int:
        """Jobs a worker has taken."""
        return len(self.running)

    async def waiting_ids(self) -> list[str]:
        jobs = await asyncio.to_thread(self.database.jobs.in_states, ("queued",))
        return [job.id for job in jobs]

    async def cancel(self, job: JobRecord) -> str:
        """Take a waiting job out of line, or tell its worker to stop it."""
        if job.status == "queued":
            await self.generators.withdraw(GeneratorJob(job.id, job.request))
            try:
                cancelled = await asyncio.to_thread(self.database.jobs.mark_cancelled, job.id)
            except InvalidTransition:
                return messages.NOTHING_TO_CANCEL  # it finished meanwhile
            self.hub.publish(JobCancelled(cancelled))
            return messages.cancelled(job.id)
        if job.id in self.running:
            self._stop_asked.add(job.id)
            self.generators.cancel(job.id)
            return messages.cancelling(job.id)
        return messages.NOTHING_TO_CANCEL

    async def sweep(self) -> None:
        """Queued jobs the line lacks go back in it; running jobs nobody will finish are settled.

        Only once every piece of news is recorded: a job out of line may have its outcome there.
        """
        if await self.generators.news_waiting():
            return
        for job in await asyncio.to_thread(self.database.jobs.in_states, ("queued", "running")):
            work = GeneratorJob(job.id, job.request)
            if job.status == "queued":
                if not await self.generators.in_line(work):
                    log.info("job %s was not in the workers' line; putting it back", job.id)
                    await self.generators.publish(work)
                continue
            silent_for = time.time() - self._heard.get(job.id, _started(job))
            if await self.generators.in_line(work):
                # A job whose every delivery was lost while the bot was away: the server gave
                # it up, and its advisory went unheard.
                if silent_for > (MAX_ATTEMPTS + 1) * self.lost_after:
                    await self.generators.withdraw(work)
                    await self._exhausted(job.id)
            elif silent_for > self.lost_after:
                await self._lost(job)

    # --- what the workers say ------------------------------------------------------------

    def _on_progress(self, update: JobUpdate) -> None:
        self.hub.record(partial(self._record_progress, update))

    async def _record_progress(self, update: JobUpdate) -> JobEvent | None:
        if not isinstance(update, JobProgress):
            return None
        job = self.running.get(update.job_id)
        if job is None:
            return None
        self._heard[job.id] = time.time()
        return JobProgressed(
            job, update.step, update.total, update.preview_jpeg, update.seconds_per_step
        )

    async def _on_news(self, news: WorkerNews) -> None:
        """Record one piece of news; returns once it is stored (NATS may then forget it)."""
        if isinstance(news, JobTaken):
            await self._taken(news)
        elif isinstance(news, JobReturned):
            await self._returned(news)
        elif isinstance(news, JobExhausted):
            await self._exhausted(news.job_id)
        else:
            await self._finished(news)

    async def _taken(self, news: JobTaken) -> None:
        job = await asyncio.to_thread(self.database.jobs.get, news.job_id)
        if job is None or job.status not in ("queued", "running") or job.id in self._stop_asked:
            # Cancelled (or settled) while it waited: the worker must not draw it.
            self.generators.cancel(news.job_id)
            return
        lost_run = job.status == "running"  # it started before: that run was lost
        job = await asyncio.to_thread(
            partial(self.database.jobs.mark_running, job.id, worker=news.worker, lost_run=lost_run)
        )
        self.running[job.id] = job
        self._heard[job.id] = time.time()
        if not lost_run:
            self.hub.publish(JobStarted(job))
        log.info("job %s taken by worker %s (delivery %d)", job.id, news.worker, news.delivery)

    async def _returned(self, news: JobReturned) -> None:
        job = self.running.get(news.job_id)
        if job is not None and job.worker != news.worker:
            # A late word from a worker that lost the job: another one draws it now.
            log.info("worker %s handed back job %s, now %s's", news.worker, job.id, job.worker)
            return
        self._forget(news.job_id)
        try:
            await asyncio.to_thread(self.database.jobs.requeue, news.job_id, count_attempt=False)
        except InvalidTransition:
            return  # settled meanwhile
        log.info("worker %s handed job %s back to the line", news.worker, news.job_id)

    async def _finished(self, finished: JobFinished) -> None:
        self._forget(finished.job_id)
        self._stop_asked.discard(finished.job_id)
        event = await record_outcome(self.database, finished)
        if event is not None:
            self.hub.publish(event)

    async def _exhausted(self, job_id: str) -> None:
        self._forget(job_id)
        self._stop_asked.discard(job_id)
        try:
            event = await fail_job(
                self.database, job_id, messages.GENERATOR_CRASHED, "every worker it went to died"
            )
        except InvalidTransition:
            return
        self.hub.publish(event)

    async def _lost(self, job: JobRecord) -> None:
        """Out of line without an outcome: draw it once more, or fail it after its retry."""
        self._forget(job.id)
        job = await asyncio.to_thread(self.database.jobs.requeue, job.id)
        if job.attempts >= MAX_ATTEMPTS:
            self.hub.publish(
                await fail_job(self.database, job.id, messages.GENERATOR_CRASHED, "lost twice")
            )
            return
        log.warning("job %s left the line without an outcome; putting it back", job.id)
        await self.generators.publish(GeneratorJob(job.id, job.request))

    def _forget(self, job_id: str) -> None:
        self.running.pop(job_id, None)
        self._heard.pop(job_id, None)

    async def _sweep_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_every)
            try:
                await self.sweep()
            except Exception:
                log.exception("the sweep failed; it runs again in %.0f s", self.sweep_every)


def _started(job: JobRecord) -> float:
    return job.started_at.timestamp() if job.started_at else time.time()
