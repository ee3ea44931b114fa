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
UpdateSink = Callable[[JobUpdate], None]  # called on the event loop; must return at once


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


class GeneratorUnavailable(Exception):
    """The models could not be loaded; the message says why and what to do."""


class Generators(Protocol):
    """Draws batches of jobs. Every method is called on the event loop and returns quickly."""

    @property
    def alive(self) -> bool:
        """True while `run_batch` may be called."""
        ...

    async def start(self, on_update: UpdateSink) -> None:
        """Start, or start again after a death; every job update from now on goes to `on_update`.

        Raises GeneratorUnavailable when the models cannot be loaded (a restart will not help
        until the operator acts), GeneratorDied when it died while starting.
        """
        ...

    async def run_batch(self, jobs: Sequence[GeneratorJob]) -> None:
        """Draw the jobs (all of one size); returns once each has had its JobFinished.

        Raises GeneratorDied, naming the jobs that got no JobFinished.
        """
        ...

    def cancel(self, job_id: str) -> None:
        """Stop a running job between two steps; its JobFinished then says "cancelled"."""
        ...

    async def stop(self, grace_seconds: float) -> list[str]:
        """Let the running batch finish within the grace period, then stop.

        Returns the ids of the jobs left without a JobFinished (to be queued again).
        """
        ...

    def status(self) -> GeneratorStatus:
        """Safe to read from any thread (health and metrics read it from the web server's)."""
        ...
