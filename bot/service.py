"""The draw service: what adapters call. Its parts do one job each.

`Admission` (admission.py) applies the limits and writes the job row; `Dispatcher`
(dispatcher.py) owns the line and is the only part that knows the `Generators` (with GPU
workers behind NATS, `RemoteDispatcher` (remote_dispatcher.py) and the workers' line take its
place); `EventHub` (event_hub.py) records events in order and hands them to each platform's
outbox.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import messages
from bot.admission import Admission
from bot.dispatcher import Dispatcher
from bot.event_hub import EventHandler, EventHub, Observer
from bot.events import FeedbackRecorded, JobCancelled, JobDone, JobEvent, JobFailed
from bot.generators import Generators
from bot.generators.remote import RemoteGenerators
from bot.job_queue import JobQueue
from bot.owed import stored_outcome
from bot.remote_dispatcher import RemoteDispatcher
from generator.request import DrawRequest
from storage.database import Database
from storage.gallery import GalleryPage, VoteFilter, recent_pictures
from storage.records import FeedbackCounts, FeedbackKind, JobRecord, UserRecord
from storage.stats import QualityReport, load_job_facts, quality_report

if TYPE_CHECKING:
    from bot.commands import ParsedCommand

log = logging.getLogger(__name__)

# The dashboard and /สถิติ read 30 days of jobs. They get threads of their own, so that a crowd
# of them never holds up the default threads that time-critical calls wait for (admission,
# Discord's 3-second acknowledgement).
REPORT_THREADS = 2
# A job that ended while the bot was stopping or down is told at the next start, up to this old.
OWED_FOR = timedelta(days=1)


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
    # What the parser changed in the request (a size rounded…), said with the acknowledgement.
    notices: tuple[str, ...] = ()
    notices_english: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refused:
    message: str  # one Thai sentence
    english: str  # the same sentence in English, for the web page's English mode


@dataclass(frozen=True)
class Reply:
    text: str  # Thai, for the user who asked


@dataclass(frozen=True)
class ServiceLimits:
    max_queue: int = 50
    max_jobs_per_user: int = 2
    max_jobs_per_minute: int = 5


@dataclass(frozen=True)
class QueueNow:
    waiting: int
    running: int


class DrawService:
    """The platform-neutral core every adapter talks to. All methods run on the event loop."""

    def __init__(
        self,
        database: Database,
        generators: Generators | RemoteGenerators,
        limits: ServiceLimits,
        *,
        images_dir: Path,
    ) -> None:
        self.database = database
        self.generators = generators
        self.limits = limits
        self.images_dir = images_dir  # where finished pictures are (`continue_from` starts there)
        self._events = EventHub()
        self._admission = Admission(database, limits)
        self._dispatcher: Dispatcher | RemoteDispatcher
        if isinstance(generators, RemoteGenerators):
            self._dispatcher = RemoteDispatcher(database, generators, self._events)
        else:
            self._dispatcher = Dispatcher(database, generators, JobQueue(), self._events)
        self._accepting = False
        # Requests that name themselves (web `Idempotency-Key`) are admitted and queued one at a
        # time, so that a retry arriving while its first is admitted finds it in line, not gone.
        self._named_requests = asyncio.Lock()
        self._reports = ThreadPoolExecutor(REPORT_THREADS, thread_name_prefix="thaidraw-report")

    # --- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Tell the outcomes the last run owes, take up jobs left in the database, then start the
        generators and the dispatcher."""
        self._events.start()
        await self._deliver_owed_outcomes()
        await self._dispatcher.start()
        self._accepting = True

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stop accepting, let the running batch finish (or queue its jobs again), then stop."""
        self._accepting = False
        await self._dispatcher.stop(grace_seconds)
        await self._events.stop(grace_seconds)
        self._reports.shutdown(wait=False)

    def subscribe(self, platform: str, handler: EventHandler) -> None:
        """Events of jobs from `platform` go to `handler`, in order, one at a time.

        Once `handler` has returned from a job's last event, its user counts as told; an outcome
        not told (the bot stopped first, or `handler` failed) goes to `handler` at the next start.
        """

        async def handle_and_note(event: JobEvent) -> None:
            await handler(event)
            if isinstance(event, JobDone | JobFailed | JobCancelled):
                await asyncio.to_thread(self.database.jobs.mark_told, event.job.id)

        self._events.subscribe(platform, handle_and_note)

    def observe(self, observer: Observer) -> None:
        """Also hand every job event (all platforms) and every feedback to `observer`."""
        self._events.observe(observer)

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
            return Refused(*messages.SERVICE_STOPPING)
        if idempotency_key is None:
            return await self._admit_and_queue(request, origin, raw_text, None)
        async with self._named_requests:
            return await self._admit_and_queue(request, origin, raw_text, idempotency_key)

    async def _admit_and_queue(
        self, request: DrawRequest, origin: Origin, raw_text: str, idempotency_key: str | None
    ) -> Accepted | Refused:
        admitted = await self._admission.admit(
            origin, raw_text, request.with_seed().to_dict(), idempotency_key
        )
        if isinstance(admitted, messages.Sentence):
            return Refused(*admitted)
        if admitted.replayed:
            return Accepted(admitted.job, await self._dispatcher.position(admitted.job.id))
        return Accepted(admitted.job, await self._dispatcher.enqueue(admitted.job))

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
            return Refused(command.error, command.error_english or command.error)
        if command.command == "draw" and command.request is not None:
            request = command.request
            if command.use_init_image:
                if init_image is None:
                    return Refused(*messages.NO_INIT_IMAGE)
                request = replace(request, init_image=str(init_image))
            outcome = await self.submit(request, origin, raw_text, idempotency_key=idempotency_key)
            if isinstance(outcome, Accepted):
                outcome = replace(
                    outcome, notices=command.notices, notices_english=command.notices_english
                )
            return outcome
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
        return messages.stats_summary(await self.quality(30, top_prompts=3))

    async def cancel(self, origin: Origin, job_id: str | None = None) -> str:
        """Cancel the user's own job (the given one, or their latest active one); a Thai answer."""
        user = await self._user(origin)
        jobs = await asyncio.to_thread(self.database.jobs.active_of_user, user.id)
        candidates = [job for job in jobs if job_id is None or job.id == job_id]
        if not candidates:
            return messages.NOTHING_TO_CANCEL
        return await self._dispatcher.cancel(candidates[-1])

    async def cancel_any(self, job_id: str) -> str:
        """Cancel a job whoever made it (moderators)."""
        job = await asyncio.to_thread(self.database.jobs.get, job_id)
        if job is None or job.status not in ("queued", "running"):
            return messages.NOTHING_TO_CANCEL
        return await self._dispatcher.cancel(job)

    async def queue_summary(self, origin: Origin) -> str:
        user = await self._user(origin)
        jobs = await asyncio.to_thread(self.database.jobs.active_of_user, user.id)
        positions = [(job.id, await self._dispatcher.position(job.id)) for job in jobs]
        running = self._dispatcher.running_count()
        return messages.queue_summary(await self._dispatcher.waiting(), running, positions)

    async def redraw(
        self, job_id: str, origin: Origin, *, new_seed: bool = True
    ) -> Accepted | Refused:
        """Queue the recipe of an earlier job again, with a fresh seed by default."""
        job = await asyncio.to_thread(self.database.jobs.get, job_id)
        if job is None:
            return Refused(*messages.JOB_NOT_FOUND)
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
            return Refused(*messages.JOB_NOT_FOUND)
        full = [image for image in job.images if image.kind == "full"]
        if not full:
            return Refused(*messages.JOB_NOT_FOUND)
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
        self._events.notify(FeedbackRecorded(job_id, origin.platform, value, removed))
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

    async def quality(self, days: int = 30, *, top_prompts: int = 10) -> QualityReport:
        """The community's figures for the last `days` days."""
        since = datetime.now(UTC) - timedelta(days=days)

        def report() -> QualityReport:
            facts = load_job_facts(self.database, since)
            return quality_report(facts, top_prompts=top_prompts, since=since)

        return await asyncio.get_running_loop().run_in_executor(self._reports, report)

    async def position(self, job_id: str) -> int | None:
        """The job's place in the waiting line (1 = next); None once it has left it."""
        return await self._dispatcher.position(job_id)

    async def waiting_ids(self) -> list[str]:
        """The waiting jobs, first in line first."""
        return await self._dispatcher.waiting_ids()

    async def queue_now(self) -> QueueNow:
        return QueueNow(
            waiting=await self._dispatcher.waiting(), running=self._dispatcher.running_count()
        )

    # --- helpers -----------------------------------------------------------------------------

    async def _deliver_owed_outcomes(self) -> None:
        since = datetime.now(UTC) - OWED_FOR

        def owed(platform: str) -> list[JobEvent]:
            jobs = self.database.jobs.owed_since(platform, since)
            return [stored_outcome(job, self.images_dir) for job in jobs]

        for platform in self._events.platforms:
            for event in await asyncio.to_thread(owed, platform):
                self._events.deliver(event)

    async def _user(self, origin: Origin) -> UserRecord:
        return await asyncio.to_thread(
            self.database.users.get_or_create, origin.platform, origin.user_id, origin.display_name
        )
