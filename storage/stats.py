"""Quality signals: what people made and how they reacted, per day, style, steps and prompt.

One query reads a row of facts per job; the figures are computed in Python so that SQLite and
PostgreSQL give the same answers (their date and median functions differ).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from storage.database import Database
from storage.feedback import tally_votes, vote_events
from storage.models import Feedback, Job
from storage.records import FeedbackCounts

# (label, most steps in the bucket); the last bucket has no upper bound.
STEPS_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("≤100", 100),
    ("101–250", 250),
    ("251–500", 500),
    (">500", None),
)


@dataclass(frozen=True)
class JobFacts:
    """What the statistics and the export need to know about one job."""

    job_id: str
    user_id: int
    platform: str
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    seed: int | None
    steps: int
    width: int
    height: int
    styles: tuple[str, ...]
    attempts: int
    request: dict[str, Any]
    model_versions: dict[str, Any]
    votes: FeedbackCounts

    @property
    def prompt(self) -> str:
        return _join_texts(self.request.get("prompts", ()))

    @property
    def negative_prompt(self) -> str:
        return _join_texts(self.request.get("negatives", ()))

    @property
    def wait_seconds(self) -> float | None:
        """From being asked for to starting (None until it starts)."""
        if self.started_at is None:
            return None
        return (self.started_at - self.created_at).total_seconds()

    @property
    def run_seconds(self) -> float | None:
        """From starting to a finished picture (None unless done)."""
        if self.status != "done" or self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def steps_bucket(self) -> str:
        return next(label for label, most in STEPS_BUCKETS if most is None or self.steps <= most)


def _join_texts(prompts: Iterable[dict[str, Any]]) -> str:
    return " | ".join(prompt["text"] for prompt in prompts)


def load_job_facts(database: Database, since: datetime | None = None) -> list[JobFacts]:
    """One row per job created at or after `since` (every job when None), oldest first."""
    jobs = select(Job).order_by(Job.created_at, Job.id)
    events = vote_events().join(Job, Job.id == Feedback.job_id)
    if since is not None:
        jobs = jobs.where(Job.created_at >= since)
        events = events.where(Job.created_at >= since)
    with database.sessions.read() as session:
        votes = tally_votes(session.execute(events))
        return [
            JobFacts(
                job_id=job.id,
                user_id=job.user_id,
                platform=job.platform,
                status=job.status,
                created_at=job.created_at,
                started_at=job.started_at,
                finished_at=job.finished_at,
                seed=job.seed,
                steps=job.steps,
                width=job.width,
                height=job.height,
                styles=tuple(job.styles),
                attempts=job.attempts,
                request=job.request,
                model_versions=job.model_versions,
                votes=votes.get(job.id, FeedbackCounts()),
            )
            for job in session.scalars(jobs)
        ]


@dataclass(frozen=True)
class DayCount:
    day: date
    jobs: int
    done: int


@dataclass(frozen=True)
class GroupApproval:
    """Jobs in one group (a style, a steps bucket, a prompt) and the votes they got."""

    name: str | None  # None: the jobs without a style
    jobs: int
    votes: FeedbackCounts

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "jobs": self.jobs,
            "up": self.votes.up,
            "down": self.votes.down,
            "neutral": self.votes.neutral,
            "approval": self.votes.approval,
        }


@dataclass(frozen=True)
class QualityReport:
    jobs: int
    statuses: dict[str, int]
    per_day: tuple[DayCount, ...]
    median_wait_seconds: float | None
    median_run_seconds: float | None
    overall: GroupApproval
    by_style: tuple[GroupApproval, ...]
    by_steps: tuple[GroupApproval, ...]
    top_prompts: tuple[GroupApproval, ...]
    since: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, groups as flat objects."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "jobs": self.jobs,
            "statuses": self.statuses,
            "per_day": [
                {"day": day.day.isoformat(), "jobs": day.jobs, "done": day.done}
                for day in self.per_day
            ],
            "median_wait_seconds": self.median_wait_seconds,
            "median_run_seconds": self.median_run_seconds,
            "overall": self.overall.to_dict(),
            "by_style": [group.to_dict() for group in self.by_style],
            "by_steps": [group.to_dict() for group in self.by_steps],
            "top_prompts": [group.to_dict() for group in self.top_prompts],
        }


def quality_report(
    facts: Sequence[JobFacts], *, top_prompts: int = 10, since: datetime | None = None
) -> QualityReport:
    """The figures of `thaidraw stats` for these jobs."""
    days: dict[date, list[JobFacts]] = defaultdict(list)
    for fact in facts:
        days[fact.created_at.date()].append(fact)
    prompts = _group(facts, lambda fact: [fact.prompt])
    prompts.sort(key=lambda group: (-group.jobs, group.name or ""))
    by_steps = {group.name: group for group in _group(facts, lambda fact: [fact.steps_bucket])}
    return QualityReport(
        jobs=len(facts),
        statuses=dict(Counter(fact.status for fact in facts)),
        per_day=tuple(
            DayCount(day, len(jobs), sum(job.status == "done" for job in jobs))
            for day, jobs in sorted(days.items())
        ),
        median_wait_seconds=_median(fact.wait_seconds for fact in facts),
        median_run_seconds=_median(fact.run_seconds for fact in facts),
        overall=GroupApproval("all", len(facts), sum((f.votes for f in facts), FeedbackCounts())),
        by_style=tuple(
            sorted(
                _group(facts, lambda fact: fact.styles or [None]),
                key=lambda group: (group.name is None, group.name or ""),
            )
        ),
        by_steps=tuple(by_steps[label] for label, _ in STEPS_BUCKETS if label in by_steps),
        top_prompts=tuple(prompts[:top_prompts]),
        since=since,
    )


def _group(
    facts: Iterable[JobFacts], names_of: Callable[[JobFacts], Iterable[str | None]]
) -> list[GroupApproval]:
    """Jobs and votes per name; a job with several names (styles) counts in each."""
    jobs: Counter[str | None] = Counter()
    votes: dict[str | None, FeedbackCounts] = defaultdict(FeedbackCounts)
    for fact in facts:
        for name in names_of(fact):
            jobs[name] += 1
            votes[name] += fact.votes
    return [GroupApproval(name, count, votes[name]) for name, count in jobs.items()]


def _median(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


@dataclass(frozen=True)
class ExportRow:
    """One job's recipe and votes, as `thaidraw feedback export` writes it."""

    job_id: str
    created_at: str  # ISO 8601, UTC
    platform: str
    user_id: int
    status: str
    prompt: str
    negative_prompt: str
    styles: list[str]
    steps: int
    width: int
    height: int
    seed: int | None
    attempts: int
    wait_seconds: float | None
    run_seconds: float | None
    votes_up: int
    votes_down: int
    votes_neutral: int
    request: dict[str, Any]
    model_versions: dict[str, Any]


def export_row(fact: JobFacts) -> ExportRow:
    return ExportRow(
        job_id=fact.job_id,
        created_at=fact.created_at.isoformat(),
        platform=fact.platform,
        user_id=fact.user_id,
        status=fact.status,
        prompt=fact.prompt,
        negative_prompt=fact.negative_prompt,
        styles=list(fact.styles),
        steps=fact.steps,
        width=fact.width,
        height=fact.height,
        seed=fact.seed,
        attempts=fact.attempts,
        wait_seconds=fact.wait_seconds,
        run_seconds=fact.run_seconds,
        votes_up=fact.votes.up,
        votes_down=fact.votes.down,
        votes_neutral=fact.votes.neutral,
        request=fact.request,
        model_versions=fact.model_versions,
    )
