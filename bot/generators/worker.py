"""The generator process's entry point, `worker_main`: it loads the models once, then draws.

The process decides what signals and failures mean for itself: Ctrl-C is the serving process's
to handle (it sends Shutdown), a job that fails ends alone as its own JobFinished (runner.py),
and the process exits as soon as the serving process is gone. This module imports no torch at
the top, so that the watch on the parent starts before the slow imports.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import traceback
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, NoReturn

from bot.generators.wire import (
    CancelJob,
    FromGenerator,
    GeneratorIdle,
    GeneratorJob,
    GeneratorLoadFailed,
    GeneratorReady,
    JobFinished,
    Shutdown,
    SubmitJobs,
    ToGenerator,
)
from bot.logging_setup import configure_logging

if TYPE_CHECKING:
    import torch

    from bot.generators.local import GeneratorConfig
    from bot.generators.runner import BatchRunner
    from generator.engine import Engine

log = logging.getLogger(__name__)


class _Inbox:
    """The serving process's messages, read while idle and, without waiting, between two steps."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.waiting: list[GeneratorJob] = []  # sent, not yet in the running batch
        self.cancelled: set[str] = set()  # asked to stop, not yet stopped
        self.stopping = False  # Shutdown came: start nothing more, exit once the batch is done

    def wait(self) -> None:
        """Wait for the next message."""
        try:
            self._take(self.connection.recv())
        except EOFError:
            _parent_gone()

    def read(self) -> None:
        """Take whatever has arrived, without waiting."""
        try:
            while self.connection.poll():
                self._take(self.connection.recv())
        except EOFError:
            _parent_gone()

    def send(self, message: FromGenerator) -> None:
        try:
            self.connection.send(message)
        except (BrokenPipeError, ConnectionResetError):
            _parent_gone()

    def _take(self, message: ToGenerator) -> None:
        if isinstance(message, SubmitJobs):
            self.waiting.extend(message.jobs)
        elif isinstance(message, CancelJob):
            self.cancelled.add(message.job_id)
        elif isinstance(message, Shutdown):
            self.stopping = True


def worker_main(config: GeneratorConfig, connection: Connection) -> None:
    """Entry point of the generator process (started with the spawn method)."""
    _own_signals()
    configure_logging(config.log_format)  # this process holds no secrets to redact
    _exit_with_parent()
    from bot.generators.runner import BatchRunner, gpu_memory  # torch: seconds to import

    inbox = _Inbox(connection)
    loaded = _load(config, inbox)
    if loaded is None:
        return
    engine, device = loaded
    runner = BatchRunner(engine, config, inbox.send)
    while True:
        if not runner.busy and not inbox.waiting:
            if inbox.stopping:
                return
            inbox.wait()
        inbox.read()  # between two steps: never waits, so a step is never held up
        _cancel(inbox, runner)
        if not inbox.stopping:
            inbox.waiting = runner.admit(inbox.waiting)
        if runner.busy:
            inbox.waiting[:0] = runner.step()
        if not runner.busy and not inbox.waiting:
            inbox.send(GeneratorIdle(gpu_memory(device)))
        if inbox.stopping and not runner.busy:
            return  # the jobs still waiting here are the serving process's to queue again


def _cancel(inbox: _Inbox, runner: BatchRunner) -> None:
    """Stop the cancelled jobs: a running one between two steps, a waiting one before it starts."""
    for job_id in inbox.cancelled:
        if runner.cancel(job_id):
            continue
        waiting = next((job for job in inbox.waiting if job.job_id == job_id), None)
        if waiting is not None:
            inbox.waiting.remove(waiting)
            inbox.send(JobFinished(job_id, "cancelled", 0, 0.0))
    inbox.cancelled.clear()  # a job that is in neither place has already finished


def _load(config: GeneratorConfig, inbox: _Inbox) -> tuple[Engine, torch.device] | None:
    """Load the models once and say so; None (after saying why) when they cannot be loaded."""
    from bot.generators.runner import gpu_memory
    from generator.engine import Engine
    from generator.precision import PrecisionError, resolve_precision
    from generator.weights.loading import MissingWeightsError, load_bundle, resolve_device

    settings = config.settings
    try:
        device = resolve_device(settings.device)
        precision = resolve_precision(
            settings.precision, device, deterministic=settings.deterministic
        )
        bundle = load_bundle(settings, device)
    except (MissingWeightsError, PrecisionError) as error:
        inbox.send(GeneratorLoadFailed(str(error)))
        return None
    except Exception as error:
        inbox.send(GeneratorLoadFailed(f"{type(error).__name__}: {error}"))
        log.error("could not load the models:\n%s", traceback.format_exc())
        return None
    config.images_dir.mkdir(parents=True, exist_ok=True)
    # Every step reaches the runner, which picks the steps worth a preview.
    engine = Engine(
        bundle,
        device,
        progress_every=1,
        precision=precision,
        deterministic=settings.deterministic,
        batch_invariant=None if settings.batched_kernels is None else not settings.batched_kernels,
    )
    log.info(
        "drawing on %s in %s%s",
        device,
        precision,
        " (deterministic)" if settings.deterministic else "",
    )
    inbox.send(GeneratorReady(bundle.versions(), str(device), gpu_memory(device)))
    return engine, device


def _own_signals() -> None:
    """Ignore Ctrl-C: it reaches the whole process group, and the serving process owns shutdown.

    LocalGenerators spawned this process with SIGINT blocked; once ignored, a pending one is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _exit_with_parent() -> None:
    """Exit as soon as the serving process is gone, even while a step runs (after a kill -9)."""
    parent = multiprocessing.parent_process()
    assert parent is not None, "the generator process is started by LocalGenerators"

    def watch() -> None:
        wait([parent.sentinel])  # readable once the parent has gone, however it went
        _parent_gone()

    threading.Thread(target=watch, name="thaidraw-parent-watch", daemon=True).start()


def _parent_gone() -> NoReturn:
    log.warning("the serving process is gone; the generator process exits")
    os._exit(1)  # nobody is left to take a result; the next start takes the jobs up again
