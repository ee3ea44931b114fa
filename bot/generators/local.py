"""LocalGenerators: one generator process on this machine, started, watched and restarted here.

The process (bot/generators/worker.py) owns the GPU; this side never blocks the event loop: it
reads the pipe and the process sentinel with `loop.add_reader`.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from bot.generators import (
    GeneratorDied,
    GeneratorState,
    GeneratorStatus,
    GeneratorUnavailable,
    Size,
    UpdateSink,
)
from bot.generators.wire import (
    CancelJob,
    Capacity,
    FromGenerator,
    GeneratorIdle,
    GeneratorJob,
    GeneratorLoadFailed,
    GeneratorReady,
    GpuMemory,
    JobFinished,
    Shutdown,
    SubmitJobs,
)
from bot.generators.worker import worker_main
from bot.logging_setup import LogFormat
from generator.request import DrawRequest
from generator.settings import GeneratorSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeneratorConfig:
    """What the generator process needs; sent to it once, when it starts."""

    settings: GeneratorSettings
    images_dir: Path  # finished pictures go here, named by job id
    progress_every: int = 10  # a preview every this many steps, after the first step's
    log_format: LogFormat = "text"
    batch_size: int = 4  # jobs in the running batch at most (fewer where memory says so)
    continuous: bool = True  # jobs join the running batch; off: a batch runs to its end first


class LocalGenerators:
    """Owns the generator process; every call happens on the event loop and returns quickly."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.state = GeneratorState.STOPPED
        self.restarts = 0
        self.model_versions: dict[str, str] = {}
        self.device = ""
        self.load_error: str | None = None
        self.gpu_memory: GpuMemory | None = None  # as the process last reported it
        self._on_update: UpdateSink | None = None
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._ready: asyncio.Future[None] | None = None
        self._held: dict[str, Size] = {}  # submitted jobs without a JobFinished, and their size
        self._capacity: dict[Size, int] = {}  # places per size, as the process measured them
        self._exited: asyncio.Event = asyncio.Event()
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def alive(self) -> bool:
        return self.state in (GeneratorState.READY, GeneratorState.BUSY)

    def status(self) -> GeneratorStatus:
        return GeneratorStatus(
            state=self.state,
            device=self.device,
            restarts=self.restarts,
            pid=self.pid,
            model_versions=dict(self.model_versions),
            load_error=self.load_error,
            gpu_memory=self.gpu_memory,
        )

    async def start(self, on_update: UpdateSink) -> None:
        """Spawn the process and wait until its models are loaded (or refuse to load)."""
        if self._process is not None:
            self.restarts += 1
        self._on_update = on_update
        loop = asyncio.get_running_loop()
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=worker_main, args=(self.config, child_end), name="thaidraw-generator"
        )
        with _sigint_blocked():
            process.start()
        child_end.close()
        self._process, self._connection = process, parent_end
        self._exited = asyncio.Event()
        self._stopping = False
        self._ready = loop.create_future()
        self.state = GeneratorState.LOADING
        loop.add_reader(parent_end.fileno(), self._read_messages)
        loop.add_reader(process.sentinel, self._on_exit)
        log.info("generator process %s started; loading models", process.pid)
        await self._ready

    def places(self, size: Size) -> int:
        """Jobs of this size the process takes now (see `Generators.places`)."""
        if not self.alive:
            return 0
        capacity = min(self.config.batch_size, self._capacity.get(size, self.config.batch_size))
        if not self._held:
            return capacity
        if not self.config.continuous or size not in self._held.values():
            return 0
        return max(0, capacity - len(self._held))

    def submit(self, jobs: Sequence[GeneratorJob]) -> None:
        """Send jobs to join the running batch (raises GeneratorDied when the process is not up)."""
        if not self.alive or self._connection is None:
            raise GeneratorDied([job.job_id for job in jobs], None)
        for job in jobs:
            self._held[job.job_id] = DrawRequest.from_dict(job.request).size
        self.state = GeneratorState.BUSY
        try:
            self._connection.send(SubmitJobs(tuple(jobs)))
        except OSError as error:
            # It died since the loop last looked: its exit, on its way, names these jobs too.
            log.warning("could not hand jobs to the generator process: %s", error)

    def cancel(self, job_id: str) -> None:
        """Ask the process to stop a running job between steps."""
        if self._connection is not None and self.alive:
            self._connection.send(CancelJob(job_id))

    async def stop(self, grace_seconds: float) -> list[str]:
        """Let the current batch finish within the grace period, then end the process.

        Returns the ids of jobs the process still held (to be queued again).
        """
        process = self._process
        if process is None or not process.is_alive():
            return list(self._held)
        self._stopping = True
        if self.state == GeneratorState.LOADING:
            process.terminate()  # nothing to finish; waiting for the models would only delay
        elif self._connection is not None and self.alive:
            self._connection.send(Shutdown())
        try:
            await asyncio.wait_for(self._exited.wait(), grace_seconds)
        except TimeoutError:
            log.warning("generator process did not stop in %.0f s; terminating it", grace_seconds)
            process.terminate()
            try:
                await asyncio.wait_for(self._exited.wait(), 5)
            except TimeoutError:
                process.kill()
                await self._exited.wait()
        held, self._held = list(self._held), {}
        return held

    def _read_messages(self) -> None:
        assert self._connection is not None
        try:
            while self._connection.poll():
                self._handle(self._connection.recv())
        except (EOFError, OSError):
            self._forget_connection()

    def _handle(self, message: FromGenerator) -> None:
        if isinstance(message, GeneratorReady):
            self.model_versions, self.device = message.model_versions, message.device
            self.gpu_memory = message.gpu_memory
            self.state, self.load_error = GeneratorState.READY, None
            log.info("generator ready on %s with %s", message.device, message.model_versions)
            _resolve(self._ready)
            return
        if isinstance(message, GeneratorLoadFailed):
            self.state, self.load_error = GeneratorState.LOAD_FAILED, message.message
            log.error("generator could not load its models: %s", message.message)
            _reject(self._ready, GeneratorUnavailable(message.message))
            return
        if isinstance(message, GeneratorIdle):
            self.gpu_memory = message.gpu_memory
            return
        if isinstance(message, Capacity):
            log.info("%d jobs of %dx%d fit at once", message.places, message.width, message.height)
            self._capacity[(message.width, message.height)] = message.places
            return
        if isinstance(message, JobFinished):
            self._held.pop(message.job_id, None)
            if not self._held and self.state == GeneratorState.BUSY:
                self.state = GeneratorState.READY
        assert self._on_update is not None  # set by start, before the process can say anything
        self._on_update(message)

    def _on_exit(self) -> None:
        assert self._process is not None
        if self._connection is not None:
            self._read_messages()  # whatever it managed to say before it went
        self._forget_connection()
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._process.sentinel)
        self._process.join(timeout=5)  # the sentinel fired: it has ended, this only reaps it
        exit_code = self._process.exitcode
        if self.state != GeneratorState.LOAD_FAILED:
            self.state = GeneratorState.STOPPED if self._stopping else GeneratorState.DEAD
        level = logging.INFO if self._stopping else logging.WARNING
        log.log(level, "generator process %s exited with code %s", self._process.pid, exit_code)
        died = GeneratorDied(list(self._held), exit_code)
        _reject(self._ready, GeneratorUnavailable(self.load_error or str(died)))
        if not self._stopping and self._held:
            self._held = {}
            assert self._on_update is not None
            self._on_update(died)  # the jobs it held are the service's to settle
        self._exited.set()

    def _forget_connection(self) -> None:
        if self._connection is None:
            return
        asyncio.get_running_loop().remove_reader(self._connection.fileno())
        self._connection.close()
        self._connection = None


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread while the process is spawned.

    The child inherits the mask, so a Ctrl-C in its first instants stays pending until
    `worker_main` ignores SIGINT: it never kills the process nor becomes a KeyboardInterrupt.
    """
    # Starting multiprocessing's resource tracker unblocks SIGINT, so it must run before.
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _resolve(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


def _reject(future: asyncio.Future[None] | None, error: Exception) -> None:
    if future is not None and not future.done():
        future.set_exception(error)
