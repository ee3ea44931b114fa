"""Generators on other machines (GPU workers behind NATS): the line is theirs, not this process's.

Jobs go out as soon as they are admitted and wait in the workers' line; what the workers say
of them comes back as news, which the service records before it is acknowledged (so a restart
of the bot loses none). Implemented by bot/generators/nats.py; this module imports no NATS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.generators import GeneratorStatus, UpdateSink
from bot.generators.wire import GeneratorJob, JobFinished


@dataclass(frozen=True)
class JobTaken:
    """A worker took the job from the line (delivery 2 and on: an earlier run was lost)."""

    job_id: str
    worker: str
    delivery: int


@dataclass(frozen=True)
class JobReturned:
    """A stopping worker handed the job back to the line unfinished; no fault of the job."""

    job_id: str
    worker: str


@dataclass(frozen=True)
class JobExhausted:
    """Every allowed delivery was lost (the workers died on it); the line gave it up."""

    job_id: str


WorkerNews = JobTaken | JobReturned | JobFinished | JobExhausted
NewsHandler = Callable[[WorkerNews], Awaitable[None]]  # acknowledged once it returns


@runtime_checkable
class RemoteGenerators(Protocol):
    """The line and the workers beyond it. Every method is called on the event loop."""

    @property
    def alive(self) -> bool:
        """Connected: jobs can be put in line."""
        ...

    @property
    def redelivery_seconds(self) -> float:
        """How long a job stays with a worker that has stopped heartbeating (AckWait)."""
        ...

    async def start(self, on_progress: UpdateSink, on_news: NewsHandler) -> None:
        """Connect; progress goes to `on_progress`, news (in order, durable) to `on_news`.

        Raises GeneratorUnavailable (saying why in one line) when the line cannot be reached.
        """
        ...

    async def news_waiting(self) -> int:
        """How much news the workers sent that the service has not recorded yet."""
        ...

    async def publish(self, job: GeneratorJob) -> None:
        """Put the job in line; a job already in line stays there once."""
        ...

    async def in_line(self, job: GeneratorJob) -> bool:
        """Whether the job is still in line (waiting, or held by a worker without an outcome)."""
        ...

    async def withdraw(self, job: GeneratorJob) -> None:
        """Take the job out of line, and tell any worker that took it meanwhile to stop."""
        ...

    def cancel(self, job_id: str) -> None:
        """Tell the workers to stop this job between two steps."""
        ...

    async def stop(self) -> None:
        """Stop listening and disconnect; the jobs stay in line for the workers."""
        ...

    def status(self) -> GeneratorStatus:
        """Safe to read from any thread (health and metrics read it from the web server's)."""
        ...
