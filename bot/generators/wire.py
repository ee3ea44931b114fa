"""What crosses the pipe between the serving process and the generator process.

Every message is a small picklable dataclass; the service sees only `GeneratorJob`, `JobProgress`
and `JobFinished` (through bot.generators), the rest stays between LocalGenerators and its process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

FailureReason = Literal["out_of_memory", "bad_picture", "not_saved", "internal"]

# serving process → generator process


@dataclass(frozen=True)
class GeneratorJob:
    """One job as the generator draws it."""

    job_id: str
    request: dict[str, Any]  # DrawRequest.to_dict(), seed already chosen


@dataclass(frozen=True)
class SubmitJobs:
    """Draw these jobs (one size): they join the running batch between two steps.

    The serving process sends no more than the places it was told of (`Capacity`); jobs of
    another size than the running one wait in the generator process until the batch drains.
    """

    jobs: tuple[GeneratorJob, ...]


@dataclass(frozen=True)
class CancelJob:
    """Stop this job between two steps (it ends as JobFinished "cancelled")."""

    job_id: str


@dataclass(frozen=True)
class Shutdown:
    """Start nothing more; exit once the running jobs have finished."""


# generator process → serving process


@dataclass(frozen=True)
class GpuMemory:
    """The generator process's CUDA memory in bytes, as PyTorch's allocator counts it."""

    allocated: int  # held by live tensors now
    reserved: int  # held by the caching allocator now (nvidia-smi adds the CUDA context)
    peak: int  # the most allocated at once since the last report
    total: int  # the device's capacity


@dataclass(frozen=True)
class GeneratorReady:
    """The models are loaded; batches may come."""

    model_versions: dict[str, str]
    device: str
    gpu_memory: GpuMemory | None = None  # None on the CPU


@dataclass(frozen=True)
class GeneratorLoadFailed:
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
class Capacity:
    """At most `places` jobs of this size fit on the device at once (measured, or after an OOM)."""

    width: int
    height: int
    places: int


@dataclass(frozen=True)
class GeneratorIdle:
    """Every job sent so far has its JobFinished."""

    gpu_memory: GpuMemory | None = None  # None on the CPU


ToGenerator = SubmitJobs | CancelJob | Shutdown
FromGenerator = (
    GeneratorReady | GeneratorLoadFailed | JobProgress | JobFinished | Capacity | GeneratorIdle
)
