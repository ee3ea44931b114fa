"""`thaidraw serve`: the bot — adapters, web server, queue, and the generator process or the GPU
workers behind NATS."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import TYPE_CHECKING

import click

from bot.logging_setup import configure_logging, secret_values
from bot.settings import BotSettings
from bot.startup_checks import StartupCheckFailed, refuse_start, run_startup_checks
from generator.cli import deterministic_option, precision_option
from generator.settings import SettingsError, load_settings

if TYPE_CHECKING:
    from bot.core import Adapter, Core
    from bot.generators import Generators
    from bot.generators.remote import RemoteGenerators

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 60.0


@click.command()
@click.option(
    "--models", type=click.Choice(["real", "smoke", "auto"]), help="Default: THAIDRAW_MODELS."
)
@click.option("--host", help="Default: THAIDRAW_HOST (127.0.0.1).")
@click.option("--port", type=int, help="Default: THAIDRAW_PORT (8000).")
@precision_option
@deterministic_option
def serve(
    models: str | None,
    host: str | None,
    port: int | None,
    precision: str | None,
    deterministic: bool | None,
) -> None:
    """Run the bot until SIGTERM or Ctrl-C."""
    overrides = {
        "models": models,
        "host": host,
        "port": port,
        "precision": precision,
        "deterministic": deterministic,
    }
    try:
        settings = load_settings(
            BotSettings, **{key: value for key, value in overrides.items() if value is not None}
        )
    except SettingsError as error:
        refuse_start(str(error), os.environ.get("THAIDRAW_LOG_FORMAT", "text"))
    secrets = secret_values(settings)
    configure_logging(settings.log_format, secrets)
    from generator.weights.loading import resolve_models  # loads torch: not for `--help`

    settings = resolve_models(settings)
    try:
        run_startup_checks(settings)
        asyncio.run(run_bot(settings))
    except StartupCheckFailed as error:  # the last ones come from run_bot, before it draws
        refuse_start(f"cannot start: {error}", settings.log_format, secrets)


async def run_bot(settings: BotSettings, *, started: asyncio.Event | None = None) -> None:
    """Start everything, wait for a stop signal, then shut down in order."""
    from bot.bridge import LoopBridge
    from bot.core import Core
    from bot.generators import GeneratorUnavailable
    from bot.http.app import create_app
    from bot.http.health import health_blueprint
    from bot.http.server import WsgiServer
    from bot.job_log import log_job_event
    from bot.metrics import ServiceMetrics, metrics_blueprint
    from bot.service import DrawService, ServiceLimits
    from storage.database import Database

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)

    database = await asyncio.to_thread(Database.open, settings.resolved_database_url())
    settings.images_dir.mkdir(parents=True, exist_ok=True)
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    service = DrawService(
        database,
        chosen_generators(settings),
        ServiceLimits(
            max_queue=settings.max_queue,
            max_jobs_per_user=settings.max_jobs_per_user,
            max_jobs_per_minute=settings.max_jobs_per_minute,
        ),
        images_dir=settings.images_dir,
    )
    core = Core(service, LoopBridge(loop), settings)
    service.observe(log_job_event)
    metrics = ServiceMetrics(service, core.bridge)
    adapters = enabled_adapters(core)
    for adapter in adapters:
        service.subscribe(adapter.platform, adapter.on_event)
    app = create_app(
        settings.images_dir,
        [
            *(a.blueprint for a in adapters if a.blueprint is not None),
            health_blueprint(service, core.bridge),
            metrics_blueprint(metrics, settings.monitoring_token),
        ],
        settings.trusted_proxies,
    )
    # Bound before the generator process starts: a port in use stops start-up with one line.
    server = WsgiServer(app, settings.host, settings.port)
    try:
        await service.start()
    except GeneratorUnavailable as error:  # GPU workers' NATS server unreachable: say so, exit 2
        raise StartupCheckFailed(str(error)) from error
    server.start()
    for adapter in adapters:
        await adapter.start()
    if started is not None:
        started.set()
    log.info("ThaiDraw is running; stop it with Ctrl-C or SIGTERM")

    await stop.wait()
    log.info("stopping: finishing or re-queueing the running jobs")
    server.close()
    # The service first: its last events (pictures finished in the grace period) still need
    # the adapters to carry them out.
    await service.stop(SHUTDOWN_GRACE_SECONDS)
    for adapter in adapters:
        await adapter.stop()
    await asyncio.to_thread(database.close)
    log.info("stopped")


def chosen_generators(settings: BotSettings) -> Generators | RemoteGenerators:
    """GPU workers behind NATS when THAIDRAW_NATS_URL is set, else this machine's own process."""
    if settings.nats_enabled:
        from bot.generators.nats import NatsConfig, NatsGenerators  # nats-py loads only here

        return NatsGenerators(NatsConfig(settings, settings.images_dir))
    from bot.generators.local import GeneratorConfig, LocalGenerators

    return LocalGenerators(
        GeneratorConfig(
            settings.generator_part(),
            settings.images_dir,
            settings.progress_every,
            settings.log_format,
            batch_size=settings.batch_size,
            continuous=settings.continuous_batching,
        )
    )


def enabled_adapters(core: Core) -> list[Adapter]:
    """The web page always; LINE and Discord when their credentials are set."""
    from bot.web.adapter import WebAdapter

    adapters: list[Adapter] = [WebAdapter(core)]
    if core.settings.line_enabled:
        from bot.line.adapter import LineAdapter  # the LINE SDK loads only when LINE is on

        adapters.append(LineAdapter(core))
    if core.settings.discord_enabled:
        from bot.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(core))
    return adapters
