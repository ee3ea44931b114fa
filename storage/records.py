"""What storage hands back: plain frozen snapshots, safe to pass between threads.

Callers never hold live ORM objects, so no session outlives the call that read the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
ImageKind = Literal["full", "preview"]
FeedbackKind = Literal["emoji", "button", "postback"]
FeedbackAction = Literal["added", "removed"]

ACTIVE_STATUSES: tuple[JobStatus, ...] = ("queued", "running")
ENDED_STATUSES: tuple[JobStatus, ...] = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class UserRecord:
    id: int
    platform: str
    platform_user_id: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class ImageRecord:
    id: int
    job_id: str
    kind: ImageKind
    file_name: str  # relative to the images directory
    sha256: str
    size_bytes: int
    width: int
    height: int
    mime_type: str
    created_at: datetime


@dataclass(frozen=True)
class JobRecord:
    id: str
    user_id: int
    platform: str
    conversation: dict[str, Any]
    raw_text: str
    request: dict[str, Any]
    status: JobStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    seed: int | None
    steps: int
    width: int
    height: int
    styles: tuple[str, ...]
    model_versions: dict[str, Any]
    error: str | None
    attempts: int
    message_refs: dict[str, Any]
    images: tuple[ImageRecord, ...]
    worker: str | None = None  # the GPU worker that drew it (NATS workers); None when local
    told_at: datetime | None = None  # when its user was told how it ended

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def wait_seconds(self) -> float | None:
        """From being asked for to starting (None until it starts)."""
        if self.started_at is None:
            return None
        return (self.started_at - self.created_at).total_seconds()

    @property
    def run_seconds(self) -> float | None:
        """From starting to its end (None until it has both)."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    job_id: str
    user_id: int
    platform: str
    kind: FeedbackKind
    label: str
    value: int
    action: FeedbackAction
    at: datetime


@dataclass(frozen=True)
class FeedbackCounts:
    """How many people currently approve, disapprove or react neutrally to one job."""

    up: int = 0
    down: int = 0
    neutral: int = 0

    @property
    def approval(self) -> float | None:
        """Share of approvals among the non-neutral votes; None when there are none."""
        decided = self.up + self.down
        return self.up / decided if decided else None

    def __add__(self, other: FeedbackCounts) -> FeedbackCounts:
        return FeedbackCounts(
            self.up + other.up, self.down + other.down, self.neutral + other.neutral
        )


class ImageFile(Protocol):
    """A picture written under the images directory (bot.generators.wire.PictureFile fits)."""

    @property
    def kind(self) -> ImageKind: ...
    @property
    def path(self) -> Path: ...
    @property
    def sha256(self) -> str: ...
    @property
    def size_bytes(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def mime_type(self) -> str: ...
