"""Reactions to pictures, kept as events, and the votes they add up to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy import Select, select

from storage.models import Feedback
from storage.records import FeedbackAction, FeedbackCounts, FeedbackKind, FeedbackRecord
from storage.sessions import Repository


class FeedbackEvent(Protocol):
    job_id: str
    user_id: int
    kind: str
    label: str
    value: int
    action: str


def tally_votes(events: Iterable[FeedbackEvent]) -> dict[str, FeedbackCounts]:
    """Each person's net vote per job, counted as up, down or neutral.

    `events` must come in the order they happened. A person's reaction counts while its latest
    event is "added", so an emoji added and then removed counts nothing. Emoji are separate
    reactions; a button press or postback replaces the person's earlier one of the same kind
    (people change their mind). A person's vote is the sign of the sum of the values of the
    reactions they still have on the job; jobs without votes are absent.
    """
    current: dict[tuple[str, int, str, str], int | None] = {}
    for event in events:
        slot = event.label if event.kind == "emoji" else ""
        current[event.job_id, event.user_id, event.kind, slot] = (
            event.value if event.action == "added" else None
        )
    net: dict[tuple[str, int], int] = defaultdict(int)
    for (job_id, user_id, _, _), value in current.items():
        if value is not None:
            net[job_id, user_id] += value
    counts: dict[str, FeedbackCounts] = defaultdict(FeedbackCounts)
    for (job_id, _), total in net.items():
        counts[job_id] += FeedbackCounts(
            up=int(total > 0), down=int(total < 0), neutral=int(total == 0)
        )
    return dict(counts)


def vote_events() -> Select[tuple[str, int, str, str, int, str]]:
    """The columns tally_votes needs, in the order the events happened."""
    return select(
        Feedback.job_id,
        Feedback.user_id,
        Feedback.kind,
        Feedback.label,
        Feedback.value,
        Feedback.action,
    ).order_by(Feedback.at, Feedback.id)


def feedback_record(row: Feedback) -> FeedbackRecord:
    return FeedbackRecord(
        id=row.id,
        job_id=row.job_id,
        user_id=row.user_id,
        platform=row.platform,
        kind=row.kind,  # type: ignore[arg-type]  # CHECK constraints keep kind and action valid
        label=row.label,
        value=row.value,
        action=row.action,  # type: ignore[arg-type]
        at=row.at,
    )


class FeedbackRepository(Repository):
    def record(
        self,
        *,
        job_id: str,
        user_id: int,
        platform: str,
        kind: FeedbackKind,
        label: str,
        value: int,
        action: FeedbackAction = "added",
        at: datetime | None = None,
    ) -> FeedbackRecord:
        """Keep one reaction event; `value` is +1, 0 or −1, `at` defaults to now."""
        row = Feedback(
            job_id=job_id,
            user_id=user_id,
            platform=platform,
            kind=kind,
            label=label,
            value=value,
            action=action,
            at=at or self._clock(),
        )
        with self._sessions.write() as session:
            session.add(row)
            session.flush()
            return feedback_record(row)

    def counts(self, job_id: str) -> FeedbackCounts:
        """The job's current votes, one per person (see tally_votes)."""
        with self._sessions.read() as session:
            events = session.execute(vote_events().where(Feedback.job_id == job_id))
            return tally_votes(events).get(job_id, FeedbackCounts())

    def for_job(self, job_id: str) -> list[FeedbackRecord]:
        """The job's reaction events in the order they happened."""
        query = select(Feedback).where(Feedback.job_id == job_id).order_by(Feedback.at, Feedback.id)
        with self._sessions.read() as session:
            return [feedback_record(row) for row in session.scalars(query)]
