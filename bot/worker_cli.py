"""`thaidraw worker` (one per GPU: draws the jobs of the bot's NATS line) and `thaidraw workers`."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click
from pydantic import Field, field_validator

from bot.logging_setup import configure_logging, secret_values
from bot.nats_settings import NatsSettings
from bot.startup_checks import refuse_start
from generator.cli import deterministic_option, precision_option
from generator.settings import GeneratorSettings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.generators.nats_wire import WorkerEntry

SHUTDOWN_GRACE_SECONDS = 60.0  # as `thaidraw serve` gives its running batch


class WorkerSettings(GeneratorSettings, NatsSettings):
    """The generator's settings, read as `thaidraw serve` reads them, and the worker's own."""

    worker_name: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_.-]{1,64}$", validation_alias="THAIDRAW_WORKER_NAME"
    )
    batch_size: int = Field(4, ge=1, le=64, validation_alias="THAIDRAW_BATCH_SIZE")
    progress_every: int = Field(10, ge=1, validation_alias="THAIDRAW_PROGRESS_EVERY")
    stall_seconds: float = Field(60.0, ge=1, validation_alias="THAIDRAW_WORKER_STALL_SECONDS")
    grace_seconds: float = Field(
        SHUTDOWN_GRACE_SECONDS, ge=0, validation_alias="THAIDRAW_WORKER_GRACE_SECONDS"
    )
    log_format: Literal["text", "json"] = Field("text", validation_alias="THAIDRAW_LOG_FORMAT")

    @field_validator("worker_name", mode="before")
    @classmethod
    def _blank_name_means_default(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


@click.command()
@click.option("--name", help="Default: THAIDRAW_WORKER_NAME, else this host's name + GPU index.")
@click.option("--nats", "nats_url", help="Default: THAIDRAW_NATS_URL.")
@click.option(
    "--models", type=click.Choice(["real", "smoke", "auto"]), help="Default: THAIDRAW_MODELS."
)
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Default: THAIDRAW_DEVICE."
)
@click.option("--batch-size", type=click.IntRange(1, 64), help="Default: THAIDRAW_BATCH_SIZE (4).")
@precision_option
@deterministic_option
def worker(
    name: str | None,
    nats_url: str | None,
    models: str | None,
    device: str | None,
    batch_size: int | None,
    precision: str | None,
    deterministic: bool | None,
) -> None:
    """Draw the bot's jobs on this GPU until SIGTERM or Ctrl-C."""
    overrides = {
        "worker_name": name,
        "nats_url": nats_url,
        "models": models,
        "device": device,
        "batch_size": batch_size,
        "precision": precision,
        "deterministic": deterministic,
    }
    log_format = os.environ.get("THAIDRAW_LOG_FORMAT", "text")
    try:
        settings = load_settings(
            WorkerSettings, **{key: value for key, value in overrides.items() if value is not None}
        )
    except SettingsError as error:
        refuse_start(str(error), log_format)
    secrets = secret_values(settings)
    configure_logging(settings.log_format, secrets)
    if not settings.nats_enabled:
        refuse_start(
            "cannot start: a worker needs the bot's NATS server (--nats URL or THAIDRAW_NATS_URL)",
            settings.log_format,
        )
    from generator.weights.loading import resolve_models  # loads torch: not for `--help`

    asyncio.run(run_worker(resolve_models(settings)))


async def run_worker(settings: WorkerSettings) -> None:
    """Draw until SIGTERM or SIGINT; the generator process ignores Ctrl-C, as under serve."""
    from bot.generators.local import GeneratorConfig
    from bot.generators.nats_worker import Drawer, NatsWorker, WorkerConfig, default_worker_name

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    name = settings.worker_name or default_worker_name(
        settings.device, os.environ.get("CUDA_VISIBLE_DEVICES")
    )
    with tempfile.TemporaryDirectory(prefix="thaidraw-worker-") as scratch:
        # Pictures wait here only until they are in the object store.
        drawer = Drawer(
            GeneratorConfig(
                settings.generator_part(),
                Path(scratch),
                settings.progress_every,
                settings.log_format,
                batch_size=settings.batch_size,
                continuous=False,  # the worker pulls and draws one batch at a time
            )
        )
        config = WorkerConfig(
            name,
            NatsSettings.model_validate(
                settings.model_dump(include=set(NatsSettings.model_fields))
            ),
            batch_size=settings.batch_size,
            stall_seconds=settings.stall_seconds,
            grace_seconds=settings.grace_seconds,
        )
        await NatsWorker(config, drawer).run(stop)


@click.command()
@click.option("--nats", "nats_url", help="Default: THAIDRAW_NATS_URL.")
def workers(nats_url: str | None) -> None:
    """The GPU workers: state, device, models, last heartbeat and pictures drawn."""
    overrides = {"nats_url": nats_url} if nats_url else {}
    try:
        settings = load_settings(NatsSettings, **overrides)
    except SettingsError as error:
        raise click.ClickException(str(error)) from error
    if not settings.nats_enabled:
        raise click.ClickException("no NATS server: set THAIDRAW_NATS_URL or give --nats URL")
    entries = asyncio.run(_read_workers(settings))
    if not entries:
        click.echo("no workers have reported yet")
        return
    click.echo(workers_table(entries, time.time()))


async def _read_workers(settings: NatsSettings) -> list[WorkerEntry]:
    from nats.js.errors import KeyNotFoundError, NoKeysError

    from bot.generators.nats_wire import NatsNames, WorkerEntry, connect, workers_bucket

    client = await connect(settings, "thaidraw-workers")
    try:
        bucket = await workers_bucket(client.jetstream(), NatsNames(settings.nats_prefix))
        try:
            names = await bucket.keys()
        except NoKeysError:
            return []
        entries = []
        for name in sorted(names):
            try:
                entry = await bucket.get(name)
            except KeyNotFoundError:
                continue
            if entry.value:
                entries.append(WorkerEntry.decode(entry.value))
        return entries
    finally:
        await client.close()


def workers_table(entries: list[WorkerEntry], now: float) -> str:
    """One line per worker, columns aligned (the dashboard and /healthz show the same)."""
    header = ("NAME", "STATE", "DEVICE", "MODELS", "LAST HEARTBEAT", "PICTURES")
    rows = [header]
    for entry in entries:
        seen = datetime.fromtimestamp(entry.heartbeat, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        models = ", ".join(f"{role}={name}" for role, name in sorted(entry.models.items()))
        ago = f"{seen} ({now - entry.heartbeat:.0f} s ago)"
        rows.append(
            (
                entry.name,
                entry.seen_state(now),
                entry.device or "–",
                models or "–",
                ago,
                str(entry.pictures),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
