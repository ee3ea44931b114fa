"""Quality signals: what people made and how they reacted, per day, style, steps and prompt.

The jobs and their votes are read once; the figures are computed in Python so that SQLite and
PostgreSQL give the same answers (their date and median functions differ).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.database import Database
from storage.feedback import tally_votes, vote_events
from storage.jobs import job_record, with_images
from storage.models import Feedback, Job
from storage.records import FeedbackCounts, JobRecord

# (label, most steps in the bucket); the last bucket has no upper bound.
STEPS_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("≤100", 100),
    ("101–250", 250),
    ("251–500", 500),
    (">500", None),
)


@dataclass(frozen=True)
class JobFacts:
    """What the statistics and the export need to know about one job: the job and its votes."""

    job: JobRecord
    votes: FeedbackCounts

    @property
    def prompt(self) -> str:
        return _join_texts(self.job.request.get("prompts", ()))

    @property
    def negative_prompt(self) -> str:
        return _join_texts(self.job.request.get("negatives", ()))

    @property
    def wait_seconds(self) -> float | None:
        """From being asked for to starting (None until it starts)."""
        return self.job.wait_seconds

    @property
    def run_seconds(self) -> float | None:
        """From starting to a finished picture (None unless done)."""
        return self.job.run_seconds if self.job.status == "done" else None

    @property
    def steps_bucket(self) -> str:
        steps = self.job.steps
        return next(label for label, most in STEPS_BUCKETS if most is None or steps <= most)


def _join_texts(prompts: Iterable[dict[str, Any]]) -> str:
    return " | ".join(prompt["text"] for prompt in prompts)


def load_job_facts(database: Database, since: datetime | None = None) -> list[JobFacts]:
    """One row per job created at or after `since` (every job when None), oldest first."""
    jobs = with_images().order_by(Job.created_at, Job.id)
    events = vote_events().join(Job, Job.id == Feedback.job_id)
    if since is not None:
        jobs = jobs.where(Job.created_at >= since)
        events = events.where(Job.created_at >= since)
    with database.sessions.read() as session:
        votes = tally_votes(session.execute(events))
        return [
            JobFacts(job_record(job), votes.get(job.id, FeedbackCounts()))
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
        days[fact.job.created_at.date()].append(fact)
    prompts = _group(facts, lambda fact: [fact.prompt])
    prompts.sort(key=lambda group: (-group.jobs, group.name or ""))
    by_steps = {group.name: group for group in _group(facts, lambda fact: [fact.steps_bucket])}
    return QualityReport(
        jobs=len(facts),
        statuses=dict(Counter(fact.job.status for fact in facts)),
        per_day=tuple(
            DayCount(day, len(day_facts), sum(fact.job.status == "done" for fact in day_facts))
            for day, day_facts in sorted(days.items())
        ),
        median_wait_seconds=_median(fact.wait_seconds for fact in facts),
        median_run_seconds=_median(fact.run_seconds for fact in facts),
        overall=GroupApproval("all", len(facts), sum((f.votes for f in facts), FeedbackCounts())),
        by_style=tuple(
            sorted(
                _group(facts, lambda fact: fact.job.styles or [None]),
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
    job, votes = fact.job, fact.votes
    return ExportRow(
        job_id=job.id,
        created_at=job.created_at.isoformat(),
        platform=job.platform,
        user_id=job.user_id,
        status=job.status,
        prompt=fact.prompt,
        negative_prompt=fact.negative_prompt,
        styles=list(job.styles),
        steps=job.steps,
        width=job.width,
        height=job.height,
        seed=job.seed,
        attempts=job.attempts,
        wait_seconds=fact.wait_seconds,
        run_seconds=fact.run_seconds,
        votes_up=votes.up,
        votes_down=votes.down,
        votes_neutral=votes.neutral,
        request=job.request,
        model_versions=job.model_versions,
    )
