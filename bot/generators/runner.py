"""Runs one batch in the generator process: progress, pictures, and what a failure means."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from PIL import Image

from bot.generators.pictures import save_pictures
from bot.generators.wire import (
    FailureReason,
    FromGenerator,
    GeneratorJob,
    GpuMemory,
    JobFinished,
    JobProgress,
)
from generator.engine import DrawResult, Engine, EngineJob, ProgressUpdate
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
    if device.type != "cuda":
        return None
    report = GpuMemory(
        allocated=torch.cuda.memory_allocated(device),
        reserved=torch.cuda.memory_reserved(device),
        peak=torch.cuda.max_memory_allocated(device),
        total=torch.cuda.get_device_properties(device).total_memory,
    )
    torch.cuda.reset_peak_memory_stats(device)
    return report


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


class StepClock:
    """Seconds per step of one batch on this device, for the time people are told is left.

    Counted from the first step seen, since the first includes setting the batch up; until a
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


class BatchRunner:
    """Runs one batch, splitting it when the GPU runs out of memory instead of failing everyone."""

    def __init__(
        self,
        engine: Engine,
        config: GeneratorConfig,
        send: Callable[[FromGenerator], None],
        cancelled: Callable[[str], bool],
    ) -> None:
        self.engine = engine
        self.config = config
        self.send = send
        self.cancelled = cancelled
        self.model_versions = engine.models.versions()

    def run(self, jobs: Sequence[GeneratorJob]) -> None:
        runnable = []
        for job in jobs:
            try:
                runnable.append((job.job_id, self._engine_job(job)))
            except PictureError as error:
                self._fail(job.job_id, "bad_picture", str(error))
        self._draw(runnable)

    def _engine_job(self, job: GeneratorJob) -> EngineJob:
        request = DrawRequest.from_dict(job.request)
        return EngineJob(
            request,
            init_image=open_picture(Path(request.init_image)) if request.init_image else None,
            target_image=open_picture(Path(request.target_image)) if request.target_image else None,
        )

    def _draw(self, jobs: list[tuple[str, EngineJob]]) -> None:
        if not jobs:
            return
        job_ids = [job_id for job_id, _ in jobs]
        clock = StepClock()
        reported: set[int] = set()

        def report(update: ProgressUpdate) -> None:
            seconds_per_step = clock.seconds_per_step(update.step)
            # The first step is shown at once, so that people see a picture within a second or
            # two; then every `progress_every` steps, and the last.
            every = self.config.progress_every
            if update.key in reported and update.step % every and update.step < update.total:
                return
            reported.add(update.key)
            preview = jpeg_bytes(update.preview())
            self.send(
                JobProgress(
                    job_ids[update.key], update.step, update.total, preview, seconds_per_step
                )
            )

        try:
            results = self.engine.draw(
                [job for _, job in jobs],
                on_progress=report,
                is_cancelled=lambda index: self.cancelled(job_ids[index]),
            )
        except torch.OutOfMemoryError as error:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if len(jobs) == 1:
                self._fail(job_ids[0], "out_of_memory", str(error).splitlines()[0])
                return
            half = len(jobs) // 2
            log.warning("out of GPU memory with %d jobs; splitting the batch", len(jobs))
            self._draw(jobs[:half])
            self._draw(jobs[half:])
            return
        except Exception as error:
            log.exception("batch failed")
            for job_id in job_ids:
                self._fail(job_id, "internal", f"{type(error).__name__}: {error}")
            return
        for job_id, result in zip(job_ids, results, strict=True):
            self._finish(job_id, result)

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
