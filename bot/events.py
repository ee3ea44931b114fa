"""What the core tells adapters about their jobs; each turns these into platform messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.records import JobRecord


@dataclass(frozen=True)
class JobEvent:
    job: JobRecord


@dataclass(frozen=True)
class JobQueued(JobEvent):
    position: int


@dataclass(frozen=True)
class JobStarted(JobEvent):
    pass


@dataclass(frozen=True)
class JobProgressed(JobEvent):
    step: int
    total: int
    preview_jpeg: bytes = field(repr=False)
    seconds_per_step: float | None = None  # as the generator measured it, for a time estimate


@dataclass(frozen=True)
class JobDone(JobEvent):
    image_path: Path
    preview_path: Path
    recipe: dict[str, Any]
    seconds: float


@dataclass(frozen=True)
class JobFailed(JobEvent):
    reason: str  # one Thai sentence for the user


@dataclass(frozen=True)
class JobCancelled(JobEvent):
    pass


@dataclass(frozen=True)
class FeedbackRecorded:
    """Someone reacted to a job's picture (observers only; adapters are not sent these)."""

    job_id: str
    platform: str
    value: int  # +1, 0 or -1
    removed: bool


ServiceEvent = JobEvent | FeedbackRecorded  # what DrawService.observe hands its observers
