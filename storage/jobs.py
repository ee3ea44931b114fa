"""Jobs through their lifecycle: queued → running → done | failed | cancelled."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import Session, selectinload

from storage.admission import (
    RATE_WINDOW,
    AdmissionLimits,
    AdmissionRefusal,
    Admitted,
    take_admission_lock,
)
from storage.errors import InvalidTransition, JobNotFound
from storage.images import image_record, image_row
from storage.models import Job, JobMessage
from storage.records import ACTIVE_STATUSES, ENDED_STATUSES, ImageFile, JobRecord, JobStatus
from storage.sessions import Repository
from storage.users import user_row

# The statuses a job may be in before it moves to the key status.
ALLOWED_FROM: dict[JobStatus, tuple[JobStatus, ...]] = {
    "queued": ("queued", "running"),  # taken up again after an interruption
    "running": ("queued",),
    "done": ("running",),
    "failed": ("queued", "running"),
    "cancelled": ("queued", "running"),
}


def new_job_id() -> str:
    """Short and unguessable: it appears in image URLs and in Discord button ids."""
    return secrets.token_urlsafe(9)


def as_stored(value: Mapping[str, Any]) -> dict[str, Any]:
    """`value` as it will come back from the database: JSON types only (tuples become lists).

    Storing this copy also means the caller's dict is never shared with a record.
    """
    return json.loads(json.dumps(value))


def job_record(job: Job) -> JobRecord:
    return JobRecord(
        id=job.id,
        user_id=job.user_id,
        platform=job.platform,
        conversation=job.conversation,
        raw_text=job.raw_text,
        request=job.request,
        status=job.status,  # type: ignore[arg-type]  # a CHECK constraint keeps it valid
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        seed=job.seed,
        steps=job.steps,
        width=job.width,
        height=job.height,
        styles=tuple(job.styles),
        model_versions=job.model_versions,
        error=job.error,
        attempts=job.attempts,
        message_refs=job.message_refs,
        images=tuple(image_record(image) for image in job.images),
        worker=job.worker,
        told_at=job.told_at,
    )


def with_images() -> Select[tuple[Job]]:
    """Jobs with their images loaded in one more query (records carry the images)."""
    return select(Job).options(selectinload(Job.images))


class JobRepository(Repository):
    def create(
        self,
        *,
        user_id: int,
        platform: str,
        conversation: Mapping[str, Any],
        raw_text: str,
        request: Mapping[str, Any],
    ) -> JobRecord:
        """A queued job, whatever the limits (the bot admits jobs with `admit`).

        `request` is DrawRequest.to_dict() with the seed already chosen.
        """
        with self._sessions.write() as session:
            job = self._new_job(user_id, platform, conversation, raw_text, request)
            session.add(job)
            session.flush()
            return job_record(job)

    def admit(
        self,
        *,
        platform: str,
        platform_user_id: str,
        display_name: str,
        conversation: Mapping[str, Any],
        raw_text: str,
        request: Mapping[str, Any],
        limits: AdmissionLimits,
        idempotency_key: str | None = None,
    ) -> Admitted | AdmissionRefusal:
        """Check the limits and write the queued job, in one transaction (storage.admission).

        The user is found or created in the same transaction. A job this user already made
        with the same `idempotency_key` is returned instead of a new one (a retried request).
        """
        with self._sessions.write() as session:
            # The user may be created before the lock: the unique constraint settles that race.
            user = user_row(session, platform, platform_user_id, display_name, self._clock)
            take_admission_lock(session)
            if idempotency_key is not None:
                earlier = session.scalars(
                    with_images().where(
                        Job.user_id == user.id, Job.idempotency_key == idempotency_key
                    )
                ).one_or_none()
                if earlier is not None:
                    return Admitted(job_record(earlier), replayed=True)
            refusal = self._refusal(session, user.id, limits)
            if refusal is not None:
                return refusal
            job = self._new_job(user.id, platform, conversation, raw_text, request)
            job.idempotency_key = idempotency_key
            session.add(job)
            session.flush()
            return Admitted(job_record(job))

    def _refusal(
        self, session: Session, user_id: int, limits: AdmissionLimits
    ) -> AdmissionRefusal | None:
        def count(*conditions: Any) -> Any:
            return select(func.count()).select_from(Job).where(*conditions).scalar_subquery()

        since = self._clock() - RATE_WINDOW
        # One round trip; each count uses its own index (status; user_id + created_at).
        waiting, active, recent = session.execute(
            select(
                count(Job.status == "queued"),
                count(Job.user_id == user_id, Job.status.in_(ACTIVE_STATUSES)),
                count(Job.user_id == user_id, Job.created_at >= since),
            )
        ).one()
        if waiting >= limits.max_queue:
            return AdmissionRefusal("queue_full", limits.max_queue)
        if active >= limits.max_active_per_user:
            return AdmissionRefusal("too_many_active", limits.max_active_per_user)
        if recent >= limits.max_per_minute:
            return AdmissionRefusal("too_many_per_minute", limits.max_per_minute)
        return None

    def _new_job(
        self,
        user_id: int,
        platform: str,
        conversation: Mapping[str, Any],
        raw_text: str,
        request: Mapping[str, Any],
    ) -> Job:
        return Job(
            id=new_job_id(),
            user_id=user_id,
            platform=platform,
            conversation=as_stored(conversation),
            raw_text=raw_text,
            request=as_stored(request),
            status="queued",
            created_at=self._clock(),
            seed=request.get("seed"),
            steps=request["steps"],
            width=request["width"],
            height=request["height"],
            styles=list(request.get("styles", ())),
            model_versions={},
            attempts=0,
            message_refs={},
            images=[],
        )

    def get(self, job_id: str) -> JobRecord | None:
        with self._sessions.read() as session:
            job = session.scalars(with_images().where(Job.id == job_id)).one_or_none()
            return None if job is None else job_record(job)

    def mark_running(
        self, job_id: str, *, worker: str | None = None, lost_run: bool = False
    ) -> JobRecord:
        """Start a queued job, on `worker` when named.

        A running job may start again on a worker when `lost_run` (its last run was lost to a
        fault: that counts an attempt).
        """
        with self._sessions.write() as session:
            job = self._load_for_update(session, job_id)
            if lost_run and job.status == "running":
                job.attempts += 1
            else:
                self._move(session, job_id, "running")
            job.started_at = self._clock()
            job.worker = worker
            return job_record(job)

    def mark_done(
        self,
        job_id: str,
        images: Sequence[ImageFile] = (),
        model_versions: Mapping[str, Any] | None = None,
    ) -> JobRecord:
        """Finish a running job, with its picture files and the models that made them."""
        with self._sessions.write() as session:
            job = self._move(session, job_id, "done")
            job.finished_at = self._clock()
            job.images.extend(image_row(job_id, image, job.finished_at) for image in images)
            if model_versions is not None:
                job.model_versions = as_stored(model_versions)
            session.flush()
            return job_record(job)

    def mark_failed(self, job_id: str, error: str) -> JobRecord:
        """Fail a job; `error` is for the operator (users get a Thai sentence from the bot)."""
        with self._sessions.write() as session:
            job = self._move(session, job_id, "failed")
            job.finished_at = self._clock()
            job.error = error
            return job_record(job)

    def mark_cancelled(self, job_id: str) -> JobRecord:
        with self._sessions.write() as session:
            job = self._move(session, job_id, "cancelled")
            job.finished_at = self._clock()
            return job_record(job)

    def requeue(self, job_id: str, *, count_attempt: bool = True) -> JobRecord:
        """Put an interrupted job back in line; `count_attempt` when its run was lost to a fault.

        A clean shutdown passes count_attempt=False: the job did nothing wrong.
        """
        with self._sessions.write() as session:
            job = self._move(session, job_id, "queued")
            job.started_at = None
            job.worker = None
            if count_attempt:
                job.attempts += 1
            return job_record(job)

    def queue_position(self, job_id: str) -> int | None:
        """1 for the oldest queued job; None when the job is not queued."""
        with self._sessions.read() as session:
            job = session.get(Job, job_id)
            if job is None or job.status != "queued":
                return None
            ahead = select(func.count()).where(
                Job.status == "queued",
                (Job.created_at < job.created_at)
                | ((Job.created_at == job.created_at) & (Job.id < job.id)),
            )
            return session.scalar(ahead) + 1

    def count_in_state(self, status: JobStatus) -> int:
        with self._sessions.read() as session:
            return session.scalar(select(func.count()).where(Job.status == status)) or 0

    def in_states(self, statuses: Iterable[JobStatus]) -> list[JobRecord]:
        """Jobs in any of `statuses`, oldest first."""
        query = with_images().where(Job.status.in_(list(statuses))).order_by(Job.created_at, Job.id)
        with self._sessions.read() as session:
            return [job_record(job) for job in session.scalars(query)]

    def finished_since(self, platform: str, since: datetime) -> list[JobRecord]:
        """The platform's done or failed jobs that finished at or after `since`, oldest first."""
        return self._ended_since(platform, since, ("done", "failed"))

    def owed_since(self, platform: str, since: datetime) -> list[JobRecord]:
        """The platform's jobs that ended at or after `since` and whose users were never told
        (the bot stopped in between), oldest first."""
        return self._ended_since(platform, since, ENDED_STATUSES, Job.told_at.is_(None))

    def mark_told(self, job_id: str) -> None:
        """The job's user has been told how it ended: a restart owes them nothing."""
        with self._sessions.write() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.told_at.is_(None))
                .values(told_at=self._clock())
            )

    def _ended_since(
        self,
        platform: str,
        since: datetime,
        statuses: Iterable[JobStatus],
        *conditions: ColumnElement[bool],
    ) -> list[JobRecord]:
        query = (
            with_images()
            .where(
                Job.platform == platform,
                Job.status.in_(list(statuses)),
                Job.finished_at >= since,
                *conditions,
            )
            .order_by(Job.finished_at, Job.id)
        )
        with self._sessions.read() as session:
            return [job_record(job) for job in session.scalars(query)]

    def active_of_user(self, user_id: int) -> list[JobRecord]:
        """The user's queued and running jobs, oldest first."""
        query = (
            with_images()
            .where(Job.user_id == user_id, Job.status.in_(ACTIVE_STATUSES))
            .order_by(Job.created_at, Job.id)
        )
        with self._sessions.read() as session:
            return [job_record(job) for job in session.scalars(query)]

    def set_message_refs(self, job_id: str, refs: Mapping[str, Any]) -> JobRecord:
        """Merge `refs` into the job's platform message references; a key set to None goes."""
        with self._sessions.write() as session:
            job = self._load_for_update(session, job_id)
            merged = {**job.message_refs, **as_stored(refs)}
            job.message_refs = {key: value for key, value in merged.items() if value is not None}
            return job_record(job)

    def link_message(self, job_id: str, platform: str, message_id: str) -> None:
        """Remember that a platform message shows this job; linking it twice changes nothing."""
        with self._sessions.write() as session:
            self._load_for_update(session, job_id)
            linked = session.scalars(
                select(JobMessage).where(
                    JobMessage.platform == platform, JobMessage.message_id == message_id
                )
            ).one_or_none()
            if linked is None:
                session.add(JobMessage(job_id=job_id, platform=platform, message_id=message_id))
            elif linked.job_id != job_id:
                raise ValueError(
                    f"{platform} message {message_id} already shows job {linked.job_id}"
                )

    def find_by_message(self, platform: str, message_id: str) -> JobRecord | None:
        """The job a platform message shows (e.g. the one a reaction was added to)."""
        query = (
            with_images()
            .join(JobMessage, JobMessage.job_id == Job.id)
            .where(JobMessage.platform == platform, JobMessage.message_id == message_id)
        )
        with self._sessions.read() as session:
            job = session.scalars(query).one_or_none()
            return None if job is None else job_record(job)

    @staticmethod
    def _load_for_update(session: Session, job_id: str) -> Job:
        job = session.scalars(
            with_images().where(Job.id == job_id).with_for_update(of=Job)
        ).one_or_none()
        if job is None:
            raise JobNotFound(job_id)
        return job

    def _move(self, session: Session, job_id: str, status: JobStatus) -> Job:
        job = self._load_for_update(session, job_id)
        if job.status not in ALLOWED_FROM[status]:
            raise InvalidTransition(job_id, job.status, status)
        job.status = status
        return job
