"""The generators: whatever draws the pictures, behind the one interface the service calls.

`LocalGenerators` (local.py) runs one generator process on this machine; tests use a fake.
GPU workers behind NATS are `RemoteGenerators` (remote.py), implemented in nats.py.
An implementation is imported only where it is chosen (bot/serve.py), so this module, and with it
the service, never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from bot.generators.wire import GeneratorJob, GpuMemory, JobFinished, JobProgress

JobUpdate = JobProgress | JobFinished  # what the generators tell the service about its jobs
Size = tuple[int, int]  # (width, height) of a picture


class GeneratorState(StrEnum):
    STOPPED = "stopped"
    LOADING = "loading"
    READY = "ready"
    BUSY = "busy"
    LOAD_FAILED = "load_failed"
    DEAD = "dead"


@dataclass(frozen=True)
class WorkerStatus:
    """One GPU worker behind NATS, as the bot last heard of it."""

    name: str
    state: str  # loading | ready | busy | stopping | stopped | load_failed | silent
    device: str
    models: dict[str, str]
    last_heartbeat: float  # Unix time
    pictures: int  # drawn since the worker started

    @property
    def alive(self) -> bool:
        return self.state in ("ready", "busy")

    @property
    def heartbeat_at(self) -> str:
        """The last heartbeat in ISO 8601, UTC."""
        return datetime.fromtimestamp(self.last_heartbeat, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class GeneratorStatus:
    """What health, metrics and the dashboard show of the generators."""

    state: GeneratorState
    device: str = ""
    restarts: int = 0  # starts after the first one (after a death or a failed load)
    pid: int | None = None
    model_versions: dict[str, str] = field(default_factory=dict)
    load_error: str | None = None
    gpu_memory: GpuMemory | None = None  # as last reported; None on the CPU
    workers: tuple[WorkerStatus, ...] = ()  # GPU workers behind NATS; none on one machine

    @property
    def alive(self) -> bool:
        """Models loaded and a batch can be sent (or is running)."""
        return self.state in (GeneratorState.READY, GeneratorState.BUSY)


class GeneratorDied(Exception):
    """The generator stopped while it held these jobs (they have no JobFinished)."""

    def __init__(self, unfinished_job_ids: list[str], exit_code: int | None) -> None:
        super().__init__(f"generator process exited with code {exit_code}")
        self.unfinished_job_ids = unfinished_job_ids
        self.exit_code = exit_code


UpdateSink = Callable[[JobUpdate | GeneratorDied], None]  # on the event loop; returns at once


class GeneratorUnavailable(Exception):
    """The models could not be loaded; the message says why and what to do."""


class Generators(Protocol):
    """Draws jobs in one running batch that jobs join and leave between two steps.

    The batch holds one size at a time. The caller asks `places(size)` and `submit`s at most that
    many jobs of that size; every job then gets exactly one JobFinished, or is named in a
    GeneratorDied. Places open as jobs finish: each JobFinished (and a GeneratorDied) is the
    moment to ask again. Every method is called on the event loop and returns quickly.
    """

    @property
    def alive(self) -> bool:
        """True while jobs may be submitted."""
        ...

    async def start(self, on_update: UpdateSink) -> None:
        """Start, or start again after a death; every update from now on goes to `on_update`:
        JobProgress and JobFinished, and GeneratorDied when they stop while holding jobs.

        Raises GeneratorUnavailable when the models cannot be loaded (a restart will not help
        until the operator acts), GeneratorDied when it died while starting.
        """
        ...

    def places(self, size: Size) -> int:
        """How many jobs of this size may be submitted now.

        0 while jobs of another size run (they drain first); with THAIDRAW_CONTINUOUS_BATCHING
        off, 0 while any job runs. Bounded by THAIDRAW_BATCH_SIZE and, on CUDA, by memory.
        """
        ...

    def submit(self, jobs: Sequence[GeneratorJob]) -> None:
        """Hand over jobs of one size, at most `places(size)`; they join between two steps.

        Raises GeneratorDied (naming them all) when not alive.
        """
        ...

    def cancel(self, job_id: str) -> None:
        """Stop a submitted job between two steps; its JobFinished then says "cancelled"."""
        ...

    async def stop(self, grace_seconds: float) -> list[str]:
        """Let the running jobs finish within the grace period, then stop.

        Returns the ids of the jobs left without a JobFinished (to be queued again).
        """
        ...

    def status(self) -> GeneratorStatus:
        """Safe to read from any thread (health and metrics read it from the web server's)."""
        ...
