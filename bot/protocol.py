"""Messages between the serving process and the generator process (all picklable, all small)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

FailureReason = Literal["out_of_memory", "bad_picture", "internal", "worker_died"]

# serving process → generator process


@dataclass(frozen=True)
class WorkerJob:
    job_id: str
    request: dict[str, Any]  # DrawRequest.to_dict(), seed already chosen


@dataclass(frozen=True)
class RunBatch:
    batch_id: int
    jobs: tuple[WorkerJob, ...]


@dataclass(frozen=True)
class CancelJob:
    job_id: str


@dataclass(frozen=True)
class Shutdown:
    """Finish nothing more; exit after the current batch."""


# generator process → serving process


@dataclass(frozen=True)
class GpuMemory:
    """The generator process's CUDA memory in bytes, as PyTorch's allocator counts it."""

    allocated: int  # held by live tensors now
    reserved: int  # held by the caching allocator now (nvidia-smi adds the CUDA context)
    peak: int  # the most allocated at once since the last report
    total: int  # the device's capacity


@dataclass(frozen=True)
class WorkerReady:
    model_versions: dict[str, str]
    device: str
    gpu_memory: GpuMemory | None = None  # None on the CPU


@dataclass(frozen=True)
class WorkerLoadFailed:
    """The models could not be loaded; restarting will not help until the operator acts."""

    message: str


@dataclass(frozen=True)
class JobProgress:
    job_id: str
    step: int
    total: int
    preview_jpeg: bytes = field(repr=False)
    seconds_per_step: float | None = None  # measured on this device since the batch started


@dataclass(frozen=True)
class PictureFile:
    kind: Literal["full", "preview"]
    path: Path
    sha256: str
    size_bytes: int
    width: int
    height: int
    mime_type: str


@dataclass(frozen=True)
class JobFinished:
    job_id: str
    status: Literal["done", "cancelled", "failed"]
    steps_done: int
    seconds: float
    pictures: tuple[PictureFile, ...] = ()
    recipe: dict[str, Any] = field(default_factory=dict)
    failure: FailureReason | None = None
    detail: str | None = None  # for the operator's log; users get a Thai sentence per reason


@dataclass(frozen=True)
class BatchFinished:
    batch_id: int
    gpu_memory: GpuMemory | None = None  # None on the CPU


WorkerEvent = WorkerReady | WorkerLoadFailed | JobProgress | JobFinished | BatchFinished
