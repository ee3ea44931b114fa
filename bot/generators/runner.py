"""The generator process's running batch: jobs join and leave, progress, pictures, failures."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from PIL import Image

from bot.generators.pictures import save_pictures
from bot.generators.wire import (
    Capacity,
    FailureReason,
    FromGenerator,
    GeneratorJob,
    GpuMemory,
    JobFinished,
    JobProgress,
)
from generator.engine import DrawResult, Engine, EngineJob, EngineRun, ProgressUpdate
from generator.pictures import PictureError, open_picture
from generator.recipe import recipe_for
from generator.request import DrawRequest

if TYPE_CHECKING:
    from bot.generators.local import GeneratorConfig

log = logging.getLogger(__name__)


def gpu_memory(device: torch.device) -> GpuMemory | None:
    """This process's CUDA memory (None off CUDA); starts a new peak for the next report.

    Only this process can see its allocator, so it reports its memory with its messages.
    """
    reading = read_memory(device)
    if reading is None:
        return None
    return GpuMemory(
        allocated=reading.allocated,
        reserved=reading.reserved,
        peak=reading.peak,
        total=torch.cuda.get_device_properties(device).total_memory,
    )


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


class StepClock:
    """Seconds per step of one job on this device, for the time people are told is left.

    Counted from the first step seen, since the first includes setting the job up; until a
    second one, the first's own time (setting up included) is the best guess.
    """

    def __init__(self, now: Callable[[], float] = time.perf_counter) -> None:
        self.now = now
        self.started = now()
        self.first: tuple[float, int] | None = None  # when, and which step

    def seconds_per_step(self, step: int) -> float:
        now = self.now()
        if self.first is None:
            self.first = (now, step)
        first_time, first_step = self.first
        if step == first_step:
            return (now - self.started) / step
        return (now - first_time) / (step - first_step)


@dataclass(frozen=True)
class MemoryReading:
    """The device's memory in bytes, as the places per size are worked out from it."""

    allocated: int  # held by live tensors now
    reserved: int  # held by PyTorch's caching allocator (reusable without asking CUDA)
    peak: int  # the most allocated since the last reset
    free: int  # what CUDA could still hand out beyond `reserved`


def read_memory(device: torch.device) -> MemoryReading | None:
    """The reading on CUDA; None elsewhere (places then stay at THAIDRAW_BATCH_SIZE).

    Each reading starts a new peak, so that the step measured after it has a peak of its own
    (not that of a step that ran out of memory before it).
    """
    if device.type != "cuda":
        return None
    free, _ = torch.cuda.mem_get_info(device)
    reading = MemoryReading(
        allocated=torch.cuda.memory_allocated(device),
        reserved=torch.cuda.memory_reserved(device),
        peak=torch.cuda.max_memory_allocated(device),
        free=free,
    )
    torch.cuda.reset_peak_memory_stats(device)
    return reading


def places_for_memory(
    limit: int, jobs: int, before: MemoryReading, after: MemoryReading, headroom: float = 0.9
) -> int:
    """How many jobs of a size fit at once, from one step of `jobs` jobs of that size.

    Each job costs what that step needed beyond the memory held before it, shared equally; the
    memory to spend is the allocator's unused cache plus what CUDA has free, of which `headroom`
    is used (fragmentation). At least 1 (a lone job runs, or fails alone), at most `limit`.
    """
    per_job = max(1.0, (after.peak - before.allocated) / jobs)
    spendable = after.free + after.reserved - before.allocated
    return max(1, min(limit, int(spendable * headroom // per_job)))


class BatchRunner:
    """The running batch in the generator process: jobs join between steps, each leaves when done.

    The batch holds one size at a time. Places per size start at THAIDRAW_BATCH_SIZE; on CUDA
    they follow the memory one step of that size used (measured once per size), and running out
    of memory halves them and starts the batch's jobs again (a lone job fails alone).
    """

    def __init__(
        self,
        engine: Engine,
        config: GeneratorConfig,
        send: Callable[[FromGenerator], None],
        memory: Callable[[], MemoryReading | None] | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.send = send
        self.memory = memory or (lambda: read_memory(engine.device))
        self.model_versions = engine.models.versions()
        self.places: dict[tuple[int, int], int] = {}  # measured, or cut after running out
        self._run = EngineRun(engine, on_progress=self._report)
        self._jobs: dict[str, GeneratorJob] = {}  # the running jobs, to start them again
        self._clocks: dict[str, StepClock] = {}
        self._reported: set[str] = set()
        self._measured: set[tuple[int, int]] = set()

    @property
    def busy(self) -> bool:
        return bool(self._run)

    def places_for(self, size: tuple[int, int]) -> int:
        return min(self.config.batch_size, self.places.get(size, self.config.batch_size))

    def admit(self, waiting: Sequence[GeneratorJob]) -> list[GeneratorJob]:
        """Jobs of the running size (any one size when idle) join while places are free.

        Returns the jobs left waiting, in their order; a job whose picture cannot be opened
        fails here, alone.
        """
        size = self._run.size
        joining: list[tuple[str, EngineJob]] = []
        left: list[GeneratorJob] = []
        for job in waiting:
            job_size = DrawRequest.from_dict(job.request).size
            size = size or job_size
            if job_size != size or len(self._run) + len(joining) >= self.places_for(size):
                left.append(job)
                continue
            try:
                joining.append((job.job_id, self._engine_job(job)))
            except PictureError as error:
                self._fail(job.job_id, "bad_picture", str(error))
                continue
            self._jobs[job.job_id] = job
        if joining:
            try:
                self._run.add(joining)
            except torch.OutOfMemoryError as error:
                return self._out_of_memory(size, error) + left
            except Exception as error:
                log.exception("jobs could not join the batch")
                for job_id, _ in joining:
                    self._forget(job_id)
                    self._fail(job_id, "internal", f"{type(error).__name__}: {error}")
                return left
            for job_id, _ in joining:
                self._clocks[job_id] = StepClock()
        return left

    def cancel(self, job_id: str) -> bool:
        """Stop a running job now; False when it is not running here."""
        if job_id not in self._run.job_keys():
            return False
        result = self._run.cancel(job_id)
        self._forget(job_id)
        self.send(JobFinished(job_id, "cancelled", result.steps_done, result.seconds))
        return True

    def step(self) -> list[GeneratorJob]:
        """One step of the batch; returns jobs to put back in front of the waiting ones (after
        the device ran out of memory)."""
        size, jobs = self._run.size, len(self._run)
        measure = size is not None and size not in self._measured
        before = self.memory() if measure else None
        try:
            results = self._run.step()
        except torch.OutOfMemoryError as error:
            assert size is not None
            return self._out_of_memory(size, error)
        except Exception as error:
            log.exception("the batch failed")
            failed = list(self._jobs)
            self._restart_run()
            for job_id in failed:
                self._fail(job_id, "internal", f"{type(error).__name__}: {error}")
            return []
        if measure and size is not None:
            self._measured.add(size)
            after = self.memory()
            if before is not None and after is not None:
                self._set_places(
                    size, places_for_memory(self.config.batch_size, jobs, before, after)
                )
        for result in results:
            job_id = str(result.key)
            self._forget(job_id)
            self._finish(job_id, result)
        return []

    def _out_of_memory(
        self, size: tuple[int, int], error: torch.OutOfMemoryError
    ) -> list[GeneratorJob]:
        """Halve the places of this size and start its jobs again; a lone job fails."""
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        running = list(self._jobs.values())
        self._restart_run()
        if len(running) == 1:
            self._fail(running[0].job_id, "out_of_memory", str(error).splitlines()[0])
            return []
        log.warning(
            "out of GPU memory with %d jobs; starting them again, fewer at once", len(running)
        )
        self._set_places(size, max(1, len(running) // 2))
        return running

    def _restart_run(self) -> None:
        """A fresh, empty batch (after a failure that may have left the old one half-stepped)."""
        self._run = EngineRun(self.engine, on_progress=self._report)
        for job_id in list(self._jobs):
            self._forget(job_id)

    def _set_places(self, size: tuple[int, int], places: int) -> None:
        self.places[size] = places
        self.send(Capacity(*size, places))

    def _forget(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)
        self._clocks.pop(job_id, None)
        self._reported.discard(job_id)

    def _engine_job(self, job: GeneratorJob) -> EngineJob:
        request = DrawRequest.from_dict(job.request)
        return EngineJob(
            request,
            init_image=open_picture(Path(request.init_image)) if request.init_image else None,
            target_image=open_picture(Path(request.target_image)) if request.target_image else None,
        )

    def _report(self, update: ProgressUpdate) -> None:
        job_id = str(update.key)
        seconds_per_step = self._clocks[job_id].seconds_per_step(update.step)
        # The first step is shown at once, so that people see a picture within a second or
        # two; then every `progress_every` steps, and the last.
        every = self.config.progress_every
        if job_id in self._reported and update.step % every and update.step < update.total:
            return
        self._reported.add(job_id)
        preview = jpeg_bytes(update.preview())
        self.send(JobProgress(job_id, update.step, update.total, preview, seconds_per_step))

    def _finish(self, job_id: str, result: DrawResult) -> None:
        """Report one job's outcome; whatever goes wrong here fails this job alone."""
        if result.status == "cancelled":
            self.send(JobFinished(job_id, "cancelled", result.steps_done, result.seconds))
            return
        try:
            recipe = recipe_for(result, self.model_versions, str(self.engine.device))
            pictures = save_pictures(result.image, job_id, self.config.images_dir, recipe)
        except OSError as error:  # a full disk, a folder that is gone or not ours to write
            log.exception("could not save the picture of job %s", job_id)
            self._fail(job_id, "not_saved", f"{type(error).__name__}: {error}")
            return
        except Exception as error:
            log.exception("could not finish job %s", job_id)
            self._fail(job_id, "internal", f"{type(error).__name__}: {error}")
            return
        self.send(JobFinished(job_id, "done", result.steps_done, result.seconds, pictures, recipe))

    def _fail(self, job_id: str, reason: FailureReason, detail: str) -> None:
        self.send(JobFinished(job_id, "failed", 0, 0.0, failure=reason, detail=detail))
