"""FakeGenerators: the service's generators without a process, driven by the test.

Like httpx's MockTransport, it sits at the service's boundary (the `Generators` protocol): it
records the jobs it is sent (each `submit` is one "batch"), offers places as the real process
does (one size at a time, up to the batch size, joining only in continuous mode), and the test
decides when a job progresses, finishes, fails, or when the generator "dies". A finished job
leaves real picture files, written by the same code as the generator process, so storage,
events and adapters run as they do in production.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from bot.generators import (
    GeneratorDied,
    GeneratorState,
    GeneratorStatus,
    GeneratorUnavailable,
    Size,
    UpdateSink,
    WorkerStatus,
)
from bot.generators.pictures import save_pictures
from bot.generators.wire import FailureReason, GeneratorJob, GpuMemory, JobFinished, JobProgress

WAIT_SECONDS = 30.0  # only a broken service makes a test wait this long
FAKE_MODELS = {"kind": "fake"}


class FakeGenerators:
    """Generators whose every move is the test's: nothing happens unless a test says so.

    `cancel` is answered at once with a "cancelled" JobFinished, as the real process answers
    between two steps. `stop` gives no grace: the jobs it holds come back unfinished.
    """

    def __init__(self, images_dir: Path, *, batch_size: int = 4, continuous: bool = True) -> None:
        self.images_dir = images_dir
        self.batch_size = batch_size
        self.continuous = continuous
        self.capacity: dict[Size, int] = {}  # places per size "measured" (set by a test)
        self.job_seconds = 60.0  # what a finished job reports it took
        self.batches: list[list[GeneratorJob]] = []  # every submit, in order
        self.cancelled: list[str] = []  # every cancel asked for
        self.state = GeneratorState.STOPPED
        self.restarts = 0
        self.gpu_memory: GpuMemory | None = None
        self.load_error: str | None = None  # set it before a start: the models "cannot load"
        self.workers: tuple[WorkerStatus, ...] = ()  # as GPU workers behind NATS report them
        self._started = False
        self._on_update: UpdateSink | None = None
        self._sent: asyncio.Queue[list[GeneratorJob]] = asyncio.Queue()
        self._unfinished: dict[str, GeneratorJob] = {}

    # --- the Generators protocol ---------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.status().alive

    def status(self) -> GeneratorStatus:
        return GeneratorStatus(
            state=self.state,
            device="fake",
            restarts=self.restarts,
            model_versions=dict(FAKE_MODELS),
            load_error=self.load_error,
            gpu_memory=self.gpu_memory,
            workers=self.workers,
        )

    async def start(self, on_update: UpdateSink) -> None:
        if self._started:
            self.restarts += 1
        self._started, self._on_update = True, on_update
        if self.load_error is not None:
            self.state = GeneratorState.LOAD_FAILED
            raise GeneratorUnavailable(self.load_error)
        self.state = GeneratorState.READY

    def places(self, size: Size) -> int:
        if not self.alive:
            return 0
        capacity = min(self.batch_size, self.capacity.get(size, self.batch_size))
        if not self._unfinished:
            return capacity
        sizes = {_size(job) for job in self._unfinished.values()}
        if not self.continuous or sizes != {size}:
            return 0
        return max(0, capacity - len(self._unfinished))

    def submit(self, jobs: Sequence[GeneratorJob]) -> None:
        if not self.alive:
            raise GeneratorDied([job.job_id for job in jobs], None)
        assert len({_size(job) for job in jobs}) == 1, "one size per submit"
        assert len(jobs) <= self.places(_size(jobs[0])), "more jobs than places"
        self.batches.append(list(jobs))
        self._unfinished.update((job.job_id, job) for job in jobs)
        self.state = GeneratorState.BUSY
        self._sent.put_nowait(list(jobs))

    def cancel(self, job_id: str) -> None:
        self.cancelled.append(job_id)
        if job_id in self._unfinished and self.alive:
            self._report(JobFinished(job_id, "cancelled", 0, 0.0))

    async def stop(self, grace_seconds: float) -> list[str]:
        unfinished, self._unfinished = list(self._unfinished), {}
        self.state = GeneratorState.STOPPED
        return unfinished

    # --- cues ------------------------------------------------------------------------------------

    @property
    def running(self) -> list[str]:
        """The ids of the jobs it holds that have no outcome yet."""
        return list(self._unfinished)

    async def next_batch(self) -> list[GeneratorJob]:
        """The jobs of the service's next submit (waits for it; each is returned once)."""
        async with asyncio.timeout(WAIT_SECONDS):
            return await self._sent.get()

    def progress(self, job_id: str, step: int, total: int) -> None:
        self._report(JobProgress(job_id, step, total, _jpeg()))

    def finish(self, job_id: str) -> None:
        """The job is done: its picture files are written and reported."""
        job = self._unfinished[job_id]
        steps = int(job.request["steps"])
        recipe = {
            "request": job.request,
            "seed": job.request["seed"],
            "steps_done": steps,
            "seconds": self.job_seconds,
            "models": FAKE_MODELS,
            "device": "fake",
        }
        image = Image.new("RGB", (job.request["width"], job.request["height"]), (200, 80, 40))
        pictures = save_pictures(image, job_id, self.images_dir, recipe)
        self._report(JobFinished(job_id, "done", steps, self.job_seconds, pictures, recipe))

    def finish_batch(self) -> None:
        for job_id in self.running:
            self.finish(job_id)

    def fail(
        self, job_id: str, failure: FailureReason = "internal", detail: str = "a test"
    ) -> None:
        self._report(JobFinished(job_id, "failed", 0, 0.0, failure=failure, detail=detail))

    def crash(self) -> None:
        """The process is gone, and its end not noticed yet (`die` notices it)."""
        self.state = GeneratorState.DEAD

    def die(self, exit_code: int = -9) -> None:
        """The process is gone: the jobs it held without an outcome are the service's to settle."""
        self.crash()
        held, self._unfinished = self.running, {}
        if held:
            assert self._on_update is not None
            self._on_update(GeneratorDied(held, exit_code))

    # --- inside ----------------------------------------------------------------------------------

    def _report(self, update: JobProgress | JobFinished) -> None:
        assert self._on_update is not None, "the service has not started the generators"
        if isinstance(update, JobFinished):
            del self._unfinished[update.job_id]
        if not self._unfinished and self.state == GeneratorState.BUSY:
            self.state = GeneratorState.READY
        self._on_update(update)


def _size(job: GeneratorJob) -> Size:
    return job.request["width"], job.request["height"]


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="JPEG")
    return buffer.getvalue()
