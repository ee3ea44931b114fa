"""Draw services on real SQLite: with FakeGenerators (most tests) or the real generator process.

`make_service` gives a service whose generators the test drives (tests/bot/fakes.py): no process,
no waiting on a drawing. `make_local_service` runs the real generator process with the smoke models.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.events import JobEvent
from bot.generators.local import GeneratorConfig, LocalGenerators
from bot.generators.nats import NatsConfig, NatsGenerators
from bot.nats_settings import NatsSettings
from bot.service import DrawService, Origin, ServiceLimits
from generator.request import DrawRequest, WeightedPrompt
from generator.settings import GeneratorSettings
from generator.weights.layout import WeightsLayout
from storage.database import Database
from tests.bot.fakes import FakeGenerators
from tests.bot.nats_workers import (  # the last two are fixtures
    InProcessWorker,
    delete_everything,
    nats_settings,  # noqa: F401
    new_nats_settings,
    worker_processes,  # noqa: F401
)

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


def local_service(
    database: Database,
    settings: GeneratorSettings,
    images_dir: Path,
    limits: ServiceLimits | None = None,
    *,
    progress_every: int = 1,
    batch_size: int = 4,
    continuous: bool = True,
) -> DrawService:
    """A service with the real generator process (not started yet), as `thaidraw serve` has."""
    config = GeneratorConfig(
        settings, images_dir, progress_every, batch_size=batch_size, continuous=continuous
    )
    generators = LocalGenerators(config)
    return DrawService(database, generators, limits or ServiceLimits(), images_dir=images_dir)


ServiceFactory = Callable[..., Awaitable[tuple[DrawService, EventLog, Any]]]


@pytest.fixture
async def make_service(
    tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[ServiceFactory]:
    """Builds started services on one database; everything is stopped after the test.

    `make_service(**limits)` gives (service, events, FakeGenerators); `make_service(local=True)`
    gives the real generator process (LocalGenerators) with the smoke models instead, and
    `make_service(nats=True)` NatsGenerators with one GPU worker (smoke models) behind the NATS
    server of THAIDRAW_TEST_NATS_URL (the test skips without it).
    """
    started: list[DrawService] = []
    workers: list[InProcessWorker] = []
    cleanups: list[NatsSettings] = []  # prefixes whose streams and buckets go afterwards
    images_dir = tmp_path / "images"

    async def make(
        *,
        local: bool = False,
        nats: bool = False,
        batch_size: int = 4,
        continuous: bool = True,
        **limits: int,
    ) -> tuple[DrawService, EventLog, Any]:
        database = Database.open(f"sqlite:///{tmp_path / 'thaidraw.db'}")
        if local:
            settings = request.getfixturevalue("smoke_settings")
            service = local_service(
                database,
                settings,
                images_dir,
                ServiceLimits(**limits),
                batch_size=batch_size,
                continuous=continuous,
            )
        elif nats:
            settings = new_nats_settings()
            cleanups.append(settings)
            generators = NatsGenerators(NatsConfig(settings, images_dir))
            service = DrawService(
                database, generators, ServiceLimits(**limits), images_dir=images_dir
            )
            smoke = request.getfixturevalue("smoke_settings")
            workers.append(InProcessWorker("gpu-0", settings, smoke, tmp_path / "scratch"))
        else:
            fake = FakeGenerators(images_dir, batch_size=batch_size, continuous=continuous)
            service = DrawService(database, fake, ServiceLimits(**limits), images_dir=images_dir)
        log = EventLog()
        service.subscribe("web", log)
        await service.start()
        started.append(service)
        return service, log, service.generators

    yield make
    for worker in workers:
        await worker.stop()
    for service in started:
        await service.stop(grace_seconds=1)  # a test's unfinished job needs no grace
        service.database.close()
    for settings in cleanups:
        await delete_everything(settings)


@pytest.fixture
async def idle_service(
    tmp_path: Path, smoke_settings: GeneratorSettings
) -> AsyncIterator[DrawService]:
    """A service that was never started: a real database in tmp_path/db, no generator process."""
    (tmp_path / "db").mkdir()
    database = Database.open(f"sqlite:///{tmp_path / 'db' / 'thaidraw.db'}")
    yield local_service(database, smoke_settings, tmp_path / "images")
    database.close()
