"""Running `thaidraw` commands in the test process, as an operator would type them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from click.testing import CliRunner, Result

from bot.cli import main

# Settings that let the tiny student learn the 1000 reference pairs in seconds on one thread.
TINY_TRAINING = ("--models", "smoke", "--pooling", "mean", "--lr", "5e-3", "--backbone-lr", "5e-3",
                 "--warmup", "10", "--device", "cpu")  # fmt: skip


def thaidraw(*args: str, weights_dir: Path, **env: str) -> Result:
    """`thaidraw ARGS` with THAIDRAW_WEIGHTS_DIR set and THAIDRAW_MODELS unset."""
    environment = {"THAIDRAW_WEIGHTS_DIR": str(weights_dir), "THAIDRAW_MODELS": None, **env}
    return CliRunner(env=environment).invoke(main, list(args), catch_exceptions=False)


@contextmanager
def single_torch_thread() -> Iterator[None]:
    """The tiny models run fastest on one thread (and on a busy machine, many times faster)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
