"""A real draw service: real SQLite, a real generator process with the smoke models."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.events import JobEvent
from bot.service import DrawService, Origin, ServiceLimits
from bot.worker import WorkerConfig
from generator.request import DrawRequest, WeightedPrompt
from generator.settings import GeneratorSettings
from generator.weights.layout import WeightsLayout
from storage.database import Database

EVENT_TIMEOUT = 120.0  # generous: CI machines are small and shared


class EventLog:
    """Collects the events an adapter would receive, and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[JobEvent] = []
        self._by_job: dict[str, list[JobEvent]] = defaultdict(list)
        self._changed = asyncio.Condition()

    async def __call__(self, event: JobEvent) -> None:
        async with self._changed:
            self.events.append(event)
            self._by_job[event.job.id].append(event)
            self._changed.notify_all()

    def of(self, job_id: str) -> list[JobEvent]:
        return list(self._by_job[job_id])

    def kinds(self, job_id: str) -> list[str]:
        return [type(event).__name__ for event in self._by_job[job_id]]

    async def wait_for(self, job_id: str, kind: type[JobEvent], *, count: int = 1) -> JobEvent:
        def found() -> list[JobEvent]:
            return [e for e in self._by_job[job_id] if isinstance(e, kind)]

        async with asyncio.timeout(EVENT_TIMEOUT), self._changed:
            await self._changed.wait_for(lambda: len(found()) >= count)
        return found()[count - 1]


def draw_request(
    prompt: str = "คฤหาสน์", *, steps: int = 3, size: int = 64, **fields
) -> DrawRequest:
    fields.setdefault("cutn", 2)
    return DrawRequest(
        prompts=(WeightedPrompt(prompt, 1.0),), steps=steps, width=size, height=size, **fields
    )


def origin(user: str = "alice", platform: str = "web") -> Origin:
    return Origin(platform=platform, user_id=user, display_name=user.title())


@pytest.fixture(scope="session")
def smoke_settings(smoke_layout: WeightsLayout) -> GeneratorSettings:
    return GeneratorSettings(
        THAIDRAW_MODELS="smoke",
        THAIDRAW_WEIGHTS_DIR=smoke_layout.root.parent,
        THAIDRAW_DEVICE="cpu",
    )


ServiceFactory = Callable[..., Awaitable[tuple[DrawService, EventLog]]]


@pytest.fixture
async def make_service(
    tmp_path: Path, smoke_settings: GeneratorSettings
) -> AsyncIterator[ServiceFactory]:
    """Builds started services on one database; everything is stopped after the test."""
    started: list[DrawService] = []

    async def make(**limits: int) -> tuple[DrawService, EventLog]:
        database = Database.open(f"sqlite:///{tmp_path / 'thaidraw.db'}")
        worker = WorkerConfig(smoke_settings, tmp_path / "images", progress_every=1)
        service = DrawService(database, worker, ServiceLimits(**limits))
        log = EventLog()
        service.subscribe("web", log)
        await service.start()
        started.append(service)
        return service, log

    yield make
    for service in started:
        await service.stop(grace_seconds=1)  # a test's unfinished job needs no grace
        service.database.close()


@pytest.fixture
async def idle_service(
    tmp_path: Path, smoke_settings: GeneratorSettings
) -> AsyncIterator[DrawService]:
    """A service that was never started: a real database in tmp_path/db, no generator process."""
    (tmp_path / "db").mkdir()
    database = Database.open(f"sqlite:///{tmp_path / 'db' / 'thaidraw.db'}")
    yield DrawService(database, WorkerConfig(smoke_settings, tmp_path / "images"), ServiceLimits())
    database.close()
