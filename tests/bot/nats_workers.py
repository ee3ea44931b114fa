"""GPU workers on the real NATS server for tests: in this process, or as `thaidraw worker`.

Every test gets a prefix of its own (its streams, consumers and buckets are deleted afterwards)
and a short AckWait, so a worker killed with -9 hands its jobs on within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.generators.local import GeneratorConfig
from bot.generators.nats_wire import NatsNames, connect
from bot.generators.nats_worker import Drawer, NatsWorker, WorkerConfig
from bot.nats_settings import NatsSettings
from generator.settings import GeneratorSettings

NATS_URL_VARIABLE = "THAIDRAW_TEST_NATS_URL"
ACK_WAIT_SECONDS = 2.0
ROOT = Path(__file__).resolve().parents[2]

# Tests run several generator processes at once on a machine of two cores: with a thread each
# their steps take turns, while torch's default (a thread per core each) made them fight, and a
# 10-step job took from 1 to 30 s.
ONE_THREAD = {"OMP_NUM_THREADS": "1"}


def nats_url_or_skip() -> str:
    url = os.environ.get(NATS_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"{NATS_URL_VARIABLE} is not set (a nats-server with JetStream, e.g. "
            "nats://127.0.0.1:4222, runs the GPU-worker tests)"
        )
    return url


@pytest.fixture
def nats_settings() -> Iterator[NatsSettings]:
    """NATS settings with a prefix of this test's own; everything under it is deleted after.

    A plain fixture (not async), so that `request.getfixturevalue` works inside a running test.
    """
    settings = new_nats_settings()
    yield settings
    # On a thread of its own: a test's event loop may still be running.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, delete_everything(settings)).result()


def new_nats_settings() -> NatsSettings:
    """Settings with a prefix of their own and a short AckWait (skips without a server)."""
    return NatsSettings(
        nats_url=SecretStr(nats_url_or_skip()),
        nats_prefix=f"t{uuid.uuid4().hex[:12]}",
        nats_ack_wait=ACK_WAIT_SECONDS,
        _env_file=None,
    )


async def delete_everything(settings: NatsSettings) -> None:
    names = NatsNames(settings.nats_prefix)
    client = await connect(settings, "thaidraw-test-cleanup")
    js = client.jetstream()
    for stream in (names.jobs_stream, names.events_stream):
        with contextlib.suppress(Exception):
            await js.delete_stream(stream)
    with contextlib.suppress(Exception):
        await js.delete_object_store(names.pictures_bucket)
    with contextlib.suppress(Exception):
        await js.delete_key_value(names.workers_bucket)
    await client.close()


class InProcessWorker:
    """A NatsWorker on the test's event loop, with its own generator process (smoke models)."""

    def __init__(
        self,
        name: str,
        nats: NatsSettings,
        generator: GeneratorSettings,
        scratch: Path,
        *,
        batch_size: int = 1,
        grace_seconds: float = 5.0,
    ) -> None:
        scratch.mkdir(parents=True, exist_ok=True)
        drawer = Drawer(GeneratorConfig(generator, scratch, progress_every=1))
        config = WorkerConfig(name, nats, batch_size=batch_size, grace_seconds=grace_seconds)
        self.worker = NatsWorker(config, drawer)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.worker.run(self._stop), name=f"worker-{name}")

    async def stop(self) -> None:
        self._stop.set()
        await self._task


class WorkerProcess:
    """`thaidraw worker` in a process of its own (to kill with -9 or to send SIGTERM)."""

    def __init__(
        self,
        name: str,
        nats: NatsSettings,
        weights_dir: Path,
        *,
        batch_size: int = 1,
        grace_seconds: float = 60.0,
    ) -> None:
        assert nats.nats_url is not None
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "THAIDRAW_NATS_URL": nats.nats_url.get_secret_value(),
            "THAIDRAW_NATS_PREFIX": nats.nats_prefix,
            "THAIDRAW_NATS_ACK_WAIT": str(nats.nats_ack_wait),
            "THAIDRAW_WEIGHTS_DIR": str(weights_dir),
            "THAIDRAW_PROGRESS_EVERY": "1",
            "THAIDRAW_WORKER_GRACE_SECONDS": str(grace_seconds),
            **ONE_THREAD,
        }
        self.name = name
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "worker",
                "--name",
                name,
                "--models",
                "smoke",
                "--device",
                "cpu",
                "--batch-size",
                str(batch_size),
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its generator process is in its group, for the cleanup
        )

    def kill(self) -> None:
        """kill -9 of the worker alone (its generator process then exits on its own)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def cleanup(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def worker_processes() -> Iterator[list[WorkerProcess]]:
    """Worker processes a test started; whatever is left of them is killed afterwards."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.cleanup()
