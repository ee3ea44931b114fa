"""The generator process: loads the models once, then runs the batches it is sent."""

from __future__ import annotations

import hashlib
import io
import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import torch
from PIL import Image

from bot.logging_setup import LogFormat, configure_logging
from bot.protocol import (
    BatchFinished,
    CancelJob,
    FailureReason,
    GpuMemory,
    JobFinished,
    JobProgress,
    PictureFile,
    RunBatch,
    Shutdown,
    WorkerJob,
    WorkerLoadFailed,
    WorkerReady,
)
from generator.engine import DrawResult, Engine, EngineJob, ProgressUpdate
from generator.pictures import PictureError, open_picture, save_png_with_recipe
from generator.recipe import recipe_for
from generator.request import DrawRequest
from generator.settings import GeneratorSettings

log = logging.getLogger(__name__)

PREVIEW_SIDE = 240  # LINE shows previews small and wants them under 1 MB


@dataclass(frozen=True)
class WorkerConfig:
    settings: GeneratorSettings
    images_dir: Path
    progress_every: int = 10  # a preview every this many steps, after the first step's
    log_format: LogFormat = "text"


def picture_file(path: Path, kind: str, image: Image.Image, mime_type: str) -> PictureFile:
    data = path.read_bytes()
    return PictureFile(
        kind=kind,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        width=image.width,
        height=image.height,
        mime_type=mime_type,
    )


def save_pictures(
    result: DrawResult, job_id: str, images_dir: Path, recipe: dict
) -> tuple[PictureFile, PictureFile]:
    """The full PNG (with its recipe) and a small JPEG preview, named by job id."""
    full_path = save_png_with_recipe(result.image, images_dir / f"{job_id}.png", recipe)
    preview = result.image.copy()
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    preview_path = images_dir / f"{job_id}-preview.jpg"
    preview.save(preview_path, format="JPEG", quality=85)
    return (
        picture_file(full_path, "full", result.image, "image/png"),
        picture_file(preview_path, "preview", preview, "image/jpeg"),
    )


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
        config: WorkerConfig,
        send: Callable[[object], None],
        cancelled: Callable[[str], bool],
    ) -> None:
        self.engine = engine
        self.config = config
        self.send = send
        self.cancelled = cancelled
        self.model_versions = engine.models.versions()

    def run(self, jobs: Sequence[WorkerJob]) -> None:
        runnable = []
        for job in jobs:
            try:
                runnable.append((job.job_id, self._engine_job(job)))
            except PictureError as error:
                self._fail(job.job_id, "bad_picture", str(error))
        self._draw(runnable)

    def _engine_job(self, job: WorkerJob) -> EngineJob:
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
            if update.index in reported and update.step % every and update.step < update.total:
                return
            reported.add(update.index)
            preview = jpeg_bytes(update.preview())
            self.send(
                JobProgress(
                    job_ids[update.index], update.step, update.total, preview, seconds_per_step
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
        if result.status == "cancelled":
            self.send(JobFinished(job_id, "cancelled", result.steps_done, result.seconds))
            return
        recipe = recipe_for(result, self.model_versions, str(self.engine.device))
        pictures = save_pictures(result, job_id, self.config.images_dir, recipe)
        self.send(JobFinished(job_id, "done", result.steps_done, result.seconds, pictures, recipe))

    def _fail(self, job_id: str, reason: FailureReason, detail: str) -> None:
        self.send(JobFinished(job_id, "failed", 0, 0.0, failure=reason, detail=detail))


def worker_main(config: WorkerConfig, connection: Connection) -> None:
    """Entry point of the generator process (started with the spawn method)."""
    configure_logging(config.log_format)  # this process holds no secrets to redact
    from generator.weights.loading import MissingWeightsError, load_bundle, resolve_device

    try:
        device = resolve_device(config.settings.device)
        bundle = load_bundle(config.settings, device)
    except MissingWeightsError as error:
        connection.send(WorkerLoadFailed(str(error)))
        return
    except Exception as error:
        connection.send(WorkerLoadFailed(f"{type(error).__name__}: {error}"))
        log.error("could not load the models:\n%s", traceback.format_exc())
        return
    config.images_dir.mkdir(parents=True, exist_ok=True)
    # Every step reaches the runner, which picks the steps worth a preview.
    engine = Engine(bundle, device, progress_every=1)
    connection.send(WorkerReady(bundle.versions(), str(device), gpu_memory(device)))

    cancelled: set[str] = set()
    stopping = False

    def is_cancelled(job_id: str) -> bool:
        nonlocal stopping
        while connection.poll():
            message = connection.recv()
            if isinstance(message, CancelJob):
                cancelled.add(message.job_id)
            elif isinstance(message, Shutdown):
                stopping = True
        return job_id in cancelled

    runner = BatchRunner(engine, config, connection.send, is_cancelled)
    while not stopping:
        message = connection.recv()
        if isinstance(message, Shutdown):
            break
        if isinstance(message, CancelJob):
            cancelled.add(message.job_id)
        elif isinstance(message, RunBatch):
            runner.run(message.jobs)
            cancelled.difference_update(job.job_id for job in message.jobs)
            connection.send(BatchFinished(message.batch_id, gpu_memory(device)))
