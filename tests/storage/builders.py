"""Rows for tests, made through the real repositories."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from generator.request import DrawRequest, WeightedPrompt
from storage.database import Database
from storage.records import JobRecord

START = datetime(2025, 1, 1, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Picture:
    """An image file as the generator process reports it (fits storage.records.ImageFile)."""

    kind: str
    path: Path
    sha256: str = "cd" * 32
    size_bytes: int = 2048
    width: int = 512
    height: int = 256
    mime_type: str = "image/png"


class ManualClock:
    """A clock the test sets; each reading moves it on by `tick` so rows keep their order."""

    def __init__(self, now: datetime, tick: timedelta = timedelta(milliseconds=1)) -> None:
        self.now = now
        self.tick = tick
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            reading = self.now
            self.now += self.tick
            return reading

    def set(self, now: datetime) -> None:
        with self._lock:
            self.now = now


def draw_request(prompt: str = "คฤหาสน์ แฟนตาซี", **fields: Any) -> dict[str, Any]:
    """DrawRequest.to_dict() as the bot stores it: seed chosen, defaults elsewhere."""
    fields.setdefault("seed", 7)
    return DrawRequest(prompts=(WeightedPrompt(prompt, 1.0),), **fields).to_dict()


def new_job(
    database: Database, user_id: int, prompt: str = "คฤหาสน์ แฟนตาซี", **fields: Any
) -> JobRecord:
    return database.jobs.create(
        user_id=user_id,
        platform="discord",
        conversation={"channel_id": "100"},
        raw_text=f"/วาด {prompt}",
        request=draw_request(prompt, **fields),
    )
