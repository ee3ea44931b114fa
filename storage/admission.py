"""Admission of a new job: the limits it must pass, what admission answers, and its lock.

The checks and the job row are one transaction, and admissions take that transaction one at a
time (on SQLite, PostgreSQL, across threads and processes), so requests that arrive together
can never pass a limit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.records import JobRecord

RATE_WINDOW = timedelta(minutes=1)
# PostgreSQL's advisory lock for admissions: the eight bytes of "thaidraw" as one number.
ADMISSION_LOCK_KEY = int.from_bytes(b"thaidraw")

RefusalReason = Literal["queue_full", "too_many_active", "too_many_per_minute"]


@dataclass(frozen=True)
class AdmissionLimits:
    max_queue: int  # jobs waiting (rows still `queued`), every platform together
    max_active_per_user: int  # one user's queued and running jobs
    max_per_minute: int  # jobs one user asked for in the last minute (any outcome)


@dataclass(frozen=True)
class Admitted:
    job: JobRecord
    replayed: bool = False  # the idempotency key named a job admitted before: nothing new


@dataclass(frozen=True)
class AdmissionRefusal:
    reason: RefusalReason
    limit: int  # the limit that refused it, for the user's message


def take_admission_lock(session: Session) -> None:
    """Wait until no other admission is in its transaction; held until this one ends.

    SQLite: the write session began IMMEDIATE, so it already holds the database's one write lock.
    PostgreSQL: one transaction-level advisory lock for every admission. The queue cap counts
    every user's waiting jobs, so each admission has to be ordered against all others anyway;
    a lock per user under it would add nothing. Admissions are a few indexed counts and one
    insert, so they wait for each other for a millisecond or so.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ADMISSION_LOCK_KEY)))
