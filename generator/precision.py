"""Which number format each part of the loop computes in, and the flags that go with it.

The rules (README, "Method"): text encoding, the quantiser's nearest-code choice and the final
decode are always fp32; in `bf16` CLIP's image tower and the VQGAN decoder *during the steps*
run under bf16 autocast, where a test (tests/generator/test_precision_drift.py) measured them
safe. TF32 and CUDA's deterministic mode are switched on only inside `PrecisionPolicy.scope()`,
and put back as they were after it.
"""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, get_args

import torch

from generator.settings import PRECISION_SETTINGS

Precision = Literal["fp32", "bf16"]
# x86 (AVX-512 BF16, AMX) and Arm (FEAT_BF16) flags for bf16 arithmetic in hardware; without one
# bf16 is emulated and slower than fp32.
NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})
CPUINFO = Path("/proc/cpuinfo")
# cuBLAS's documented setting for reproducible results (used only with --deterministic).
CUBLAS_WORKSPACE = ":4096:8"


class PrecisionError(ValueError):
    """A precision that cannot be honoured (the message is one line)."""


def cpu_flags() -> frozenset[str]:
    """The processor's feature flags as the kernel lists them (empty where it does not)."""
    try:
        text = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    flags: set[str] = set()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):  # x86, Arm
            flags.update(value.split())
    return frozenset(flags)


def cpu_has_native_bf16() -> bool:
    """True when this CPU computes bf16 in hardware and PyTorch has vector kernels for it."""
    if torch.backends.cpu.get_cpu_capability() == "DEFAULT":  # no vector kernels at all
        return False
    return bool(cpu_flags() & NATIVE_BF16_FLAGS)


def resolve_precision(
    setting: str, device: torch.device, *, deterministic: bool = False
) -> Precision:
    """`auto` → bf16 on CUDA and on CPUs with native bf16, else fp32; deterministic → fp32."""
    if setting not in PRECISION_SETTINGS:
        raise PrecisionError(f"precision must be one of {', '.join(PRECISION_SETTINGS)}")
    if deterministic:
        if setting == "bf16":
            raise PrecisionError("--deterministic draws in fp32; leave out --precision bf16")
        return "fp32"
    if setting != "auto":
        return setting  # type: ignore[return-value]
    if device.type == "cuda" or (device.type == "cpu" and cpu_has_native_bf16()):
        return "bf16"
    return "fp32"


def describe_cpu() -> str:
    """The processor's model name (for benchmark output and the README)."""
    try:
        for line in CPUINFO.read_text(encoding="utf-8", errors="replace").splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class PrecisionPolicy:
    """The engine's number formats on one device; every context restores what it changed."""

    def __init__(
        self, device: torch.device, precision: Precision = "fp32", *, deterministic: bool = False
    ) -> None:
        if precision not in get_args(Precision):
            raise PrecisionError(f"precision must be fp32 or bf16, not {precision!r}")
        if deterministic and precision != "fp32":
            raise PrecisionError("deterministic drawing needs fp32")
        self.device = device
        self.precision: Precision = precision
        self.deterministic = deterministic
        if deterministic and device.type == "cuda":
            # Read when cuBLAS makes its first handle, which happens at the first matmul.
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        """The engine's work: TF32 for fp32 matmuls in bf16 mode, CUDA determinism if asked."""
        with contextlib.ExitStack() as stack:
            stack.enter_context(_tf32(self.precision == "bf16"))
            if self.deterministic:
                stack.enter_context(_deterministic_algorithms())
            yield

    def reduced(self) -> contextlib.AbstractContextManager:
        """bf16 autocast in bf16 mode (CLIP's image tower, the decoder during steps)."""
        return torch.autocast(
            self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"
        )

    @contextlib.contextmanager
    def exact(self) -> Iterator[None]:
        """Plain fp32, even inside `reduced()`: no autocast and no TF32."""
        with torch.autocast(self.device.type, enabled=False), _tf32(False):
            yield


@contextlib.contextmanager
def _tf32(enabled: bool) -> Iterator[None]:
    matmul, cudnn = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = enabled
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = matmul, cudnn


@contextlib.contextmanager
def _deterministic_algorithms() -> Iterator[None]:
    """Deterministic kernels where PyTorch has them; a warning (not an error) where it has none
    (grid_sample's and interpolate's backward on CUDA, which the cutouts need)."""
    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn_deterministic, cudnn_benchmark = (
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.benchmark,
    )
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(enabled, warn_only=warn_only)
        torch.backends.cudnn.deterministic = cudnn_deterministic
        torch.backends.cudnn.benchmark = cudnn_benchmark
