"""The draw service: limits, the job queue, the generator process, and events to adapters."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import messages
from bot.events import (
    FeedbackRecorded,
    JobCancelled,
    JobDone,
    JobEvent,
    JobFailed,
    JobProgressed,
    JobQueued,
    JobStarted,
    ServiceEvent,
)
from bot.job_queue import JobQueue, PendingJob
from bot.protocol import JobFinished, JobProgress, WorkerEvent
from bot.supervisor import GeneratorSupervisor, WorkerDied, WorkerState, WorkerUnavailable
from bot.worker import WorkerConfig
from generator.request import DrawRequest
from storage.admission import AdmissionLimits, AdmissionRefusal, RefusalReason
from storage.database import Database
from storage.gallery import GalleryPage, VoteFilter, recent_pictures
from storage.records import FeedbackCounts, FeedbackKind, JobRecord, UserRecord
from storage.stats import QualityReport, load_job_facts, quality_report

if TYPE_CHECKING:
    from bot.commands import ParsedCommand

log = logging.getLogger(__name__)

EventHandler = Callable[[JobEvent], Awaitable[None]]
Observer = Callable[[ServiceEvent], None]  # quick, on the loop: metrics, logs
MAX_ATTEMPTS = 2  # a job the generator process died on is tried once more, then failed


@dataclass(frozen=True)
class Origin:
    """Who asked and where to answer them."""

    platform: str  # "discord" | "line" | "web"
    user_id: str  # the platform's own user id
    display_name: str = ""
    conversation: dict[str, Any] = field(default_factory=dict)  # the adapter's own address


@dataclass(frozen=True)
class Accepted:
    job: JobRecord
    position: int | None  # in the waiting line; None for a retry whose job has left it


@dataclass(frozen=True)
class Refused:
    message: str  # one Thai sentence


@dataclass(frozen=True)
class Reply:
    text: str  # Thai, for the user who asked


@dataclass(frozen=True)
class ServiceLimits:
    max_queue: int = 50
    max_jobs_per_user: int = 2
    max_jobs_per_minute: int = 5
    batch_size: int = 4

    def admission(self) -> AdmissionLimits:
        return AdmissionLimits(self.max_queue, self.max_jobs_per_user, self.max_jobs_per_minute)


REFUSALS: dict[RefusalReason, Callable[[int], str]] = {
    "queue_full": messages.queue_full,
    "too_many_active": messages.too_many_active_jobs,
    "too_many_per_minute": messages.too_many_jobs_per_minute,
}


@dataclass(frozen=True)
class QueueNow:
    waiting: int
    running: int


class DrawService:
    """The platform-neutral core every adapter talks to. All methods run on the event loop."""

    def __init__(self, database: Database, worker: WorkerConfig, limits: ServiceLimits) -> None:
        self.database = database
        self.images_dir = worker.images_dir
        self.limits = limits
        self.queue = JobQueue()
        self._outboxes: dict[str, Outbox] = {}
        self._observers: list[Observer] = []
        self._events: asyncio.Queue[JobEvent | WorkerEvent] = asyncio.Queue()
        self._running: dict[str, JobRecord] = {}
        self._recorder: asyncio.Task | None = None
        self._dispatcher: asyncio.Task | None = None
        self._accepting = False
        self.supervisor = GeneratorSupervisor(worker, on_event=self._events.put_nowait)

    # --- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Take up jobs left in the database, then start the generator process and dispatcher."""
        self._recorder = asyncio.create_task(self._record_events(), name="thaidraw-recorder")
        await self._recover_jobs()
        self._dispatcher = asyncio.create_task(self._dispatch(), name="thaidraw-dispatcher")
        self._accepting = True

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stop accepting, let the running batch finish (or queue its jobs again), then stop."""
        self._accepting = False
        await _cancel(self._dispatcher)
        for job_id in await self.supervisor.stop(grace_seconds):
            await asyncio.to_thread(self.database.jobs.requeue, job_id, count_attempt=False)
        await self._events.join()
        await _cancel(self._recorder)
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

    # --- requests from adapters ---------------------------------------------------------------

    async def submit(
        self,
        request: DrawRequest,
        origin: Origin,
        raw_text: str,
        *,
        idempotency_key: str | None = None,
    ) -> Accepted | Refused:
        """Admit the job (limits and job row in one step, storage.admission), then queue it.

        A retried request with the same `idempotency_key` gets its first job back (queued once).
        """
        if not self._accepting:
            return Refused(messages.SERVICE_STOPPING)
        admission = await asyncio.to_thread(
            partial(
                self.database.jobs.admit,
                platform=origin.platform,
                platform_user_id=origin.user_id,
                display_name=origin.display_name,
                conversation=origin.conversation,
                raw_text=raw_text,
                request=request.with_seed().to_dict(),
                limits=self.limits.admission(),
                idempotency_key=idempotency_key,
            )
        )
        if isinstance(admission, AdmissionRefusal):
            return Refused(REFUSALS[admission.reason](admission.limit))
        job = admission.job
        if admission.replayed:
            return Accepted(job, self.queue.position(job.id))
        position = self.queue.push(PendingJob(job.id, job.user_id, request.size))
        self._publish(JobQueued(job, position))
        return Accepted(job, position)

    async def handle(
        self,
        command: ParsedCommand,
        origin: Origin,
        raw_text: str,
        *,
        init_image: Path | None = None,
        idempotency_key: str | None = None,
    ) -> Accepted | Refused | Reply | None:
        """Answer a parsed chat command; None when the message was not meant for the bot.

        `init_image` is the user's last picture, for `--init` (the adapter keeps track of it);
        `idempotency_key` names the request, so that a retried draw gets its first job back.
        """
        if command.command is None:
            return None
        if command.error is not None:
            return Refused(command.error)
        if command.command == "draw" and command.request is not None:
            request = command.request
            if command.use_init_image:
                if init_image is None:
                    return Refused(messages.NO_INIT_IMAGE)
                request = replace(request, init_image=str(init_image))
            return await self.submit(request, origin, raw_text, idempotency_key=idempotency_key)
        if command.command == "styles":
            return Reply(messages.styles_list())
        if command.command == "queue":
            return Reply(await self.queue_summary(origin))
        if command.command == "cancel":
            return Reply(await self.cancel(origin, command.job_id))
        if command.command == "stats":
            return Reply(await self.stats_summary())
        return Reply(messages.HELP)

    async def stats_summary(self) -> str:
        """The community's figures, in Thai (the last 30 days)."""
        since = datetime.now(UTC) - timedelta(days=30)
        facts = await asyncio.to_thread(load_job_facts, self.database, since)
        return messages.stats_summary(quality_report(facts, top_prompts=3, since=since))

    async def cancel(self, origin: Origin, job_id: str | None = None) -> str:
        """Cancel the user's own job (the given one, or their latest active one); a Thai answer."""
        user = await self._user(origin)
        jobs = await asyncio.to_thread(self.database.jobs.active_of_user, user.id)
        candidates = [job for job in jobs if job_id is None or job.id == job_id]
        if not candidates:
            return messages.NOTHING_TO_CANCEL
        return await self._cancel_job(candidates[-1])

    async def cancel_any(self, job_id: str) -> str:
        """Cancel a job whoever made it (moderators)."""
        job = await asyncio.to_thread(self.database.jobs.get, job_id)
        if job is None or job.status not in ("queued", "running"):
            return messages.NOTHING_TO_CANCEL
        return await self._cancel_job(job)

    async def clear_queue(self) -> int:
        """Cancel every waiting job (moderators); running jobs carry on. Returns how many."""
        cleared = 0
        for job_id in self.queue.job_ids():
            job = await asyncio.to_thread(self.database.jobs.get, job_id)
            if job is not None:
                await self._cancel_job(job)
                cleared += 1
        return cleared

    async def queue_summary(self, origin: Origin) -> str:
        user = await self._user(origin)
        jobs = await asyncio.to_thread(self.database.jobs.active_of_user, user.id)
        positions = [(job.id, self.queue.position(job.id)) for job in jobs]
        return messages.queue_summary(len(self.queue), len(self._running), positions)

    async def redraw(
        self, job_id: str, origin: Origin, *, new_seed: bool = True
    ) -> Accepted | Refused:
        """Queue the recipe of an earlier job again, with a fresh seed by default."""
        job = await asyncio.to_thread(self.database.jobs.get, job_id)
        if job is None:
            return Refused(messages.JOB_NOT_FOUND)
        request = DrawRequest.from_dict(job.request)
        if new_seed:
            request = replace(request, seed=None)
        return await self.submit(request, origin, job.raw_text)

    async def continue_from(
        self, job_id: str, origin: Origin, extra_steps: int
    ) -> Accepted | Refused:
        """Queue more steps that start from an earlier job's finished picture."""
        job = await asyncio.to_thread(self.database.jobs.get, job_id)
        if job is None or job.status != "done":
            return Refused(messages.JOB_NOT_FOUND)
        full = [image for image in job.images if image.kind == "full"]
        if not full:
            return Refused(messages.JOB_NOT_FOUND)
        request = replace(
            DrawRequest.from_dict(job.request),
            init_image=str(self.images_dir / full[0].file_name),
            steps=extra_steps,
            seed=None,
        )
        return await self.submit(request, origin, job.raw_text)

    # --- what adapters remember through the core -----------------------------------------

    async def record_feedback(
        self,
        job_id: str,
        origin: Origin,
        kind: FeedbackKind,
        label: str,
        value: int,
        *,
        removed: bool = False,
    ) -> FeedbackCounts | None:
        """Store one reaction, button or postback on a job; None when the job is unknown."""
        if await asyncio.to_thread(self.database.jobs.get, job_id) is None:
            return None
        user = await self._user(origin)
        await asyncio.to_thread(
            partial(
                self.database.feedback.record,
                job_id=job_id,
                user_id=user.id,
                platform=origin.platform,
                kind=kind,
                label=label,
                value=value,
                action="removed" if removed else "added",
            )
        )
        self._notify(FeedbackRecorded(job_id, origin.platform, value, removed))
        return await asyncio.to_thread(self.database.feedback.counts, job_id)

    async def first_time_seen(self, platform: str, event_id: str) -> bool:
        """True the first time a platform event id arrives (redeliveries answer False)."""
        return await asyncio.to_thread(self.database.events.record, platform, event_id)

    async def link_message(self, job_id: str, platform: str, message_id: str) -> None:
        """Remember that a platform message shows this job (for reactions and buttons)."""
        await asyncio.to_thread(self.database.jobs.link_message, job_id, platform, message_id)

    async def job_of_message(self, platform: str, message_id: str) -> JobRecord | None:
        return await asyncio.to_thread(self.database.jobs.find_by_message, platform, message_id)

    async def remember(self, job_id: str, **refs: Any) -> JobRecord:
        """Merge platform references (message ids, reply tokens) into the job's record."""
        return await asyncio.to_thread(self.database.jobs.set_message_refs, job_id, refs)

    async def finished_jobs(self, platform: str, within: timedelta) -> list[JobRecord]:
        """The platform's jobs that finished lately (an adapter picks up deliveries it owes)."""
        since = datetime.now(UTC) - within
        return await asyncio.to_thread(self.database.jobs.finished_since, platform, since)

    async def job(self, job_id: str) -> JobRecord | None:
        return await asyncio.to_thread(self.database.jobs.get, job_id)

    # --- reads for the web page's gallery and dashboard --------------------------------------

    async def gallery(
        self,
        *,
        limit: int = 24,
        style: str | None = None,
        vote: VoteFilter | None = None,
        before: str | None = None,
    ) -> GalleryPage:
        """Finished pictures from every platform, newest first (raises JobNotFound for `before`)."""
        return await asyncio.to_thread(
            partial(
                recent_pictures, self.database, limit=limit, style=style, vote=vote, before=before
            )
        )

    async def votes(self, job_id: str) -> FeedbackCounts:
        return await asyncio.to_thread(self.database.feedback.counts, job_id)

    async def quality(self, days: int = 30) -> QualityReport:
        """The community's figures for the last `days` days."""
        since = datetime.now(UTC) - timedelta(days=days)

        def report() -> QualityReport:
            return quality_report(load_job_facts(self.database, since), since=since)

        return await asyncio.to_thread(report)

    async def queue_now(self) -> QueueNow:
        return QueueNow(waiting=len(self.queue), running=len(self._running))

    # --- the dispatcher -----------------------------------------------------------------------

    async def _recover_jobs(self) -> None:
        """Queue again every job a previous run left queued or running; none is silently lost."""
        left = await asyncio.to_thread(self.database.jobs.in_states, ("queued", "running"))
        for job in left:
            if job.status == "running":
                job = await asyncio.to_thread(self.database.jobs.requeue, job.id)
                if job.attempts >= MAX_ATTEMPTS:
                    await self._fail(job, messages.INTERRUPTED_TWICE, "interrupted twice")
                    continue
            request = DrawRequest.from_dict(job.request)
            position = self.queue.push(PendingJob(job.id, job.user_id, request.size))
            self._publish(JobQueued(job, position))
        if left:
            log.info("took up %d jobs left from the last run", len(left))

    async def _dispatch(self) -> None:
        while True:
            if not self.supervisor.alive:
                await self._start_generator()
            await self.queue.wait_for_jobs()
            if not self.supervisor.alive:
                continue
            batch = self.queue.take_batch(self.limits.batch_size)
            started = []
            for pending in batch:
                job = await asyncio.to_thread(self.database.jobs.mark_running, pending.job_id)
                self._running[job.id] = job
                started.append(job)
                self._publish(JobStarted(job))
            try:
                await self.supervisor.run_batch([(job.id, job.request) for job in started])
            except WorkerDied as died:
                await self._handle_worker_death(died)
            await self._events.join()  # every result of this batch is recorded before the next

    async def _start_generator(self) -> None:
        """Start (or restart) the process; if it cannot load its models, tell whoever waits."""
        try:
            if self.supervisor.state == WorkerState.STOPPED:
                await self.supervisor.start()
            else:
                await self.supervisor.restart()
        except WorkerUnavailable as error:
            await self._fail_waiting_jobs(messages.GENERATOR_UNAVAILABLE, str(error))
            await self.queue.wait_for_jobs()
        except WorkerDied as died:
            log.error("generator process died while starting: %s", died)
            await asyncio.sleep(5)

    async def _handle_worker_death(self, died: WorkerDied) -> None:
        log.error("generator process died holding %s", died.unfinished_job_ids)
        for job_id in reversed(died.unfinished_job_ids):
            job = await asyncio.to_thread(self.database.jobs.requeue, job_id)
            self._running.pop(job_id, None)
            if job.attempts >= MAX_ATTEMPTS:
                await self._fail(job, messages.GENERATOR_CRASHED, f"worker died ({died.exit_code})")
            else:
                request = DrawRequest.from_dict(job.request)
                self.queue.push(PendingJob(job.id, job.user_id, request.size), front=True)

    async def _fail_waiting_jobs(self, reason: str, detail: str) -> None:
        """Without models nothing can be drawn: tell everyone waiting rather than let them wait."""
        while len(self.queue):
            for pending in self.queue.take_batch(len(self.queue)):
                job = await asyncio.to_thread(self.database.jobs.get, pending.job_id)
                if job is not None:
                    await self._fail(job, reason, detail)

    async def _cancel_job(self, job: JobRecord) -> str:
        if self.queue.remove(job.id) is not None:
            job = await asyncio.to_thread(self.database.jobs.mark_cancelled, job.id)
            self._publish(JobCancelled(job))
            return messages.cancelled(job.id)
        if job.id in self._running:
            self.supervisor.cancel(job.id)
            return messages.cancelling(job.id)
        return messages.NOTHING_TO_CANCEL

    async def _user(self, origin: Origin) -> UserRecord:
        return await asyncio.to_thread(
            self.database.users.get_or_create, origin.platform, origin.user_id, origin.display_name
        )

    async def _fail(self, job: JobRecord, reason: str, detail: str) -> None:
        job = await asyncio.to_thread(self.database.jobs.mark_failed, job.id, detail)
        self._publish(JobFailed(job, reason))

    # --- events -------------------------------------------------------------------------------

    def _publish(self, event: JobEvent) -> None:
        self._events.put_nowait(event)

    def _notify(self, event: ServiceEvent) -> None:
        for observer in self._observers:
            try:
                observer(event)
            except Exception:
                log.exception("observer %r failed on %r", observer, event)

    async def _record_events(self) -> None:
        """Record worker results in storage, in arrival order; pass every event to its outbox."""
        while True:
            item = await self._events.get()
            try:
                event = item if isinstance(item, JobEvent) else await self._record(item)
                outbox = self._outboxes.get(event.job.platform) if event else None
                if outbox is not None:
                    outbox.put(event)
                if event is not None:
                    self._notify(event)
            except Exception:
                log.exception("could not record %r", item)
            finally:
                self._events.task_done()

    async def _record(self, message: WorkerEvent) -> JobEvent | None:
        if isinstance(message, JobProgress):
            job = self._running.get(message.job_id)
            if job is None:
                return None
            return JobProgressed(job, message.step, message.total, message.preview_jpeg)
        if not isinstance(message, JobFinished):
            return None
        self._running.pop(message.job_id, None)
        if message.status == "cancelled":
            return JobCancelled(
                await asyncio.to_thread(self.database.jobs.mark_cancelled, message.job_id)
            )
        if message.status == "failed":
            job = await asyncio.to_thread(
                self.database.jobs.mark_failed, message.job_id, message.detail
            )
            return JobFailed(job, messages.failure_reason(message.failure))
        job = await asyncio.to_thread(
            self.database.jobs.mark_done,
            message.job_id,
            message.pictures,
            message.recipe.get("models"),
        )
        full, preview = (
            next(p.path for p in message.pictures if p.kind == kind) for kind in ("full", "preview")
        )
        return JobDone(job, full, preview, message.recipe, message.seconds)


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
        await _cancel(self._task)

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self.handler(event)
            except Exception:
                log.exception("the %s adapter failed on %r", self.platform, event)
            finally:
                self._queue.task_done()


async def _cancel(task: asyncio.Task | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
