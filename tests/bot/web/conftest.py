"""A real core for the web page's tests, run as `thaidraw serve` runs it: a started DrawService
(real generator process on the smoke models, real SQLite) on an event loop in its own thread,
and Flask apps with the web adapter whose handlers reach it through the loop bridge.

One core serves the whole package (starting the generator process is the slow part); each test
uses fresh test clients, so each is a new visitor with the core's per-user limits of its own.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.bridge import LoopBridge
from bot.core import Core
from bot.http.app import create_app
from bot.service import Accepted, DrawService, ServiceLimits
from bot.settings import BotSettings
from bot.web.adapter import WebAdapter
from generator.settings import GeneratorSettings
from storage.database import Database
from storage.records import JobRecord
from tests.bot.conftest import draw_request, local_service, origin

T = TypeVar("T")

JOB_TIMEOUT = 90.0
TOKEN = "s3cret-web-token"


class LoopThread:
    """An asyncio loop running forever on a thread of its own (the serving process's loop)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="test-loop", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@dataclass
class RunningCore:
    service: DrawService
    loop: LoopThread
    data_dir: Path
    weights_dir: Path

    def settings(self, **environment: str) -> BotSettings:
        """Settings as `thaidraw serve` would read them from `environment` (no `.env` file)."""
        return BotSettings(
            _env_file=None,
            THAIDRAW_DATA_DIR=self.data_dir,
            THAIDRAW_WEIGHTS_DIR=self.weights_dir,
            THAIDRAW_MODELS="smoke",
            **environment,
        )

    def adapter(self, **environment: str) -> WebAdapter:
        core = Core(self.service, LoopBridge(self.loop.loop), self.settings(**environment))
        return WebAdapter(core)

    def app(self, adapter: WebAdapter) -> Flask:
        settings = adapter.context.core.settings
        app = create_app(self.data_dir / "images", [adapter.blueprint], settings.trusted_proxies)
        app.testing = True
        return app

    def job(self, job_id: str) -> JobRecord:
        job = self.loop.run(self.service.job(job_id))
        assert job is not None
        return job

    def wait_until_finished(self, job_id: str) -> JobRecord:
        deadline = time.monotonic() + JOB_TIMEOUT
        while (job := self.job(job_id)).is_active:
            assert time.monotonic() < deadline, f"job {job_id} still {job.status}"
            time.sleep(0.1)
        return job

    def draw_directly(self, prompt: str, *, platform: str = "web", **fields: Any) -> JobRecord:
        """A finished picture drawn through the service (as a chat adapter would ask for it)."""
        request = draw_request(prompt, steps=2, **fields)
        outcome = self.loop.run(
            self.service.submit(request, origin(f"{platform}-user", platform), f"/วาด {prompt}")
        )
        assert isinstance(outcome, Accepted), outcome
        return self.wait_until_finished(outcome.job.id)


@pytest.fixture(scope="package")
def running_core(
    tmp_path_factory: pytest.TempPathFactory, smoke_settings: GeneratorSettings
) -> Iterator[RunningCore]:
    data_dir = tmp_path_factory.mktemp("web-data")
    loop = LoopThread()

    async def start() -> DrawService:
        database = await asyncio.to_thread(Database.open, f"sqlite:///{data_dir / 'thaidraw.db'}")
        limits = ServiceLimits(max_queue=20, max_jobs_per_minute=30)
        service = local_service(database, smoke_settings, data_dir / "images", limits)
        await service.start()
        return service

    service = loop.run(start(), timeout=180)
    yield RunningCore(service, loop, data_dir, smoke_settings.weights_dir)
    loop.run(service.stop(grace_seconds=5), timeout=60)
    service.database.close()
    loop.stop()


# Every test client comes from 127.0.0.1: the shared adapter's limits per address are out of the
# way (tests/bot/web/test_limits.py has adapters of its own for them).
UNLIMITED_ADDRESSES = {
    "THAIDRAW_ADDRESS_DRAWS_PER_MINUTE": "100000",
    "THAIDRAW_ADDRESS_VOTES_PER_MINUTE": "100000",
}


@pytest.fixture(scope="package")
def web(running_core: RunningCore) -> WebAdapter:
    """The web adapter on loopback without a token; it receives the core's "web" events."""
    adapter = running_core.adapter(**UNLIMITED_ADDRESSES)

    async def subscribe() -> None:
        running_core.service.subscribe("web", adapter.on_event)

    running_core.loop.run(subscribe())
    return adapter


@pytest.fixture(scope="package")
def app(running_core: RunningCore, web: WebAdapter) -> Flask:
    return running_core.app(web)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A new visitor."""
    return app.test_client()


@pytest.fixture(scope="package")
def finished_job(running_core: RunningCore, web: WebAdapter) -> JobRecord:
    """A finished picture (with the ภาพสวย style) made from the web."""
    return running_core.draw_directly("คฤหาสน์", styles=("ภาพสวย",))
