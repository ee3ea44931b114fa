"""Starts, watches and restarts the one generator process, and talks to it without blocking."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from enum import StrEnum
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from bot.protocol import (
    BatchFinished,
    CancelJob,
    GpuMemory,
    JobFinished,
    RunBatch,
    Shutdown,
    WorkerEvent,
    WorkerJob,
    WorkerLoadFailed,
    WorkerReady,
)
from bot.worker import WorkerConfig, worker_main

log = logging.getLogger(__name__)


class WorkerState(StrEnum):
    STOPPED = "stopped"
    LOADING = "loading"
    READY = "ready"
    BUSY = "busy"
    LOAD_FAILED = "load_failed"
    DEAD = "dead"


class WorkerDied(Exception):
    """The generator process exited while it held these jobs."""

    def __init__(self, unfinished_job_ids: list[str], exit_code: int | None) -> None:
        super().__init__(f"generator process exited with code {exit_code}")
        self.unfinished_job_ids = unfinished_job_ids
        self.exit_code = exit_code


class WorkerUnavailable(Exception):
    """The models could not be loaded; the message says why and what to do."""


class GeneratorSupervisor:
    """Owns the generator process; every call happens on the event loop and returns quickly."""

    def __init__(self, config: WorkerConfig, on_event: Callable[[WorkerEvent], None]) -> None:
        self.config = config
        self.on_event = on_event
        self.state = WorkerState.STOPPED
        self.restarts = 0
        self.model_versions: dict[str, str] = {}
        self.device = ""
        self.load_error: str | None = None
        self.gpu_memory: GpuMemory | None = None  # as the process last reported it
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._ready: asyncio.Future[None] | None = None
        self._batch: asyncio.Future[None] | None = None
        self._unfinished: list[str] = []
        self._exited: asyncio.Event = asyncio.Event()
        self._stopping = False
        self._next_batch_id = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def alive(self) -> bool:
        return self.state in (WorkerState.READY, WorkerState.BUSY)

    async def start(self) -> None:
        """Spawn the process and wait until its models are loaded (or refuse to load)."""
        loop = asyncio.get_running_loop()
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=worker_main, args=(self.config, child_end), name="thaidraw-generator"
        )
        process.start()
        child_end.close()
        self._process, self._connection = process, parent_end
        self._exited = asyncio.Event()
        self._stopping = False
        self._ready = loop.create_future()
        self.state = WorkerState.LOADING
        loop.add_reader(parent_end.fileno(), self._read_messages)
        loop.add_reader(process.sentinel, self._on_exit)
        log.info("generator process %s started; loading models", process.pid)
        await self._ready

    async def restart(self) -> None:
        self.restarts += 1
        await self.start()

    async def run_batch(self, job_ids_and_requests: list[tuple[str, dict]]) -> None:
        """Send a batch and wait until the process reports it finished (raises WorkerDied)."""
        if self.state != WorkerState.READY or self._connection is None:
            raise WorkerDied([job_id for job_id, _ in job_ids_and_requests], None)
        self._next_batch_id += 1
        jobs = tuple(WorkerJob(job_id, request) for job_id, request in job_ids_and_requests)
        self._unfinished = [job.job_id for job in jobs]
        self._batch = asyncio.get_running_loop().create_future()
        self.state = WorkerState.BUSY
        self._connection.send(RunBatch(self._next_batch_id, jobs))
        await self._batch

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
            return []
        self._stopping = True
        if self.state == WorkerState.LOADING:
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
        return list(self._unfinished)

    def _read_messages(self) -> None:
        assert self._connection is not None
        try:
            while self._connection.poll():
                self._handle(self._connection.recv())
        except (EOFError, OSError):
            self._forget_connection()

    def _handle(self, message: WorkerEvent) -> None:
        if isinstance(message, WorkerReady):
            self.model_versions, self.device = message.model_versions, message.device
            self.gpu_memory = message.gpu_memory
            self.state, self.load_error = WorkerState.READY, None
            log.info("generator ready on %s with %s", message.device, message.model_versions)
            _resolve(self._ready)
            return
        if isinstance(message, WorkerLoadFailed):
            self.state, self.load_error = WorkerState.LOAD_FAILED, message.message
            log.error("generator could not load its models: %s", message.message)
            _reject(self._ready, WorkerUnavailable(message.message))
            return
        if isinstance(message, JobFinished) and message.job_id in self._unfinished:
            self._unfinished.remove(message.job_id)
        if isinstance(message, BatchFinished):
            self.state = WorkerState.READY
            self.gpu_memory = message.gpu_memory
            self._unfinished = []
            _resolve(self._batch)
            return
        self.on_event(message)

    def _on_exit(self) -> None:
        assert self._process is not None
        if self._connection is not None:
            self._read_messages()  # whatever it managed to say before it went
        self._forget_connection()
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._process.sentinel)
        self._process.join(timeout=5)  # the sentinel fired: it has ended, this only reaps it
        exit_code = self._process.exitcode
        if self.state != WorkerState.LOAD_FAILED:
            self.state = WorkerState.STOPPED if self._stopping else WorkerState.DEAD
        level = logging.INFO if self._stopping else logging.WARNING
        log.log(level, "generator process %s exited with code %s", self._process.pid, exit_code)
        died = WorkerDied(list(self._unfinished), exit_code)
        _reject(self._ready, WorkerUnavailable(self.load_error or str(died)))
        _reject(self._batch, died)
        self._exited.set()

    def _forget_connection(self) -> None:
        if self._connection is None:
            return
        asyncio.get_running_loop().remove_reader(self._connection.fileno())
        self._connection.close()
        self._connection = None


def _resolve(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


def _reject(future: asyncio.Future[None] | None, error: Exception) -> None:
    if future is not None and not future.done():
        future.set_exception(error)
