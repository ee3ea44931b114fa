"""THAIDRAW_NATS_URL picks the generators: unset, this machine's own process; set, GPU workers."""

from __future__ import annotations

import asyncio
import time

import pytest
from pydantic import SecretStr

from bot.generators import GeneratorUnavailable, nats_wire
from bot.generators.local import LocalGenerators
from bot.generators.nats import NatsConfig, NatsGenerators
from bot.generators.nats_wire import check_reachable
from bot.nats_settings import NatsSettings
from bot.serve import chosen_generators
from bot.settings import BotSettings
from bot.worker_cli import WorkerSettings
from generator.settings import SettingsError, load_settings


def settings(**environment: str) -> BotSettings:
    return BotSettings(_env_file=None, THAIDRAW_MODELS="smoke", **environment)


def test_without_a_nats_url_the_bot_runs_its_own_generator_process():
    chosen = settings(THAIDRAW_NATS_URL="  ")
    assert not chosen.nats_enabled
    assert isinstance(chosen_generators(chosen), LocalGenerators)


def test_with_a_nats_url_the_bot_runs_no_generator_and_uses_the_prefix():
    chosen = settings(THAIDRAW_NATS_URL="nats://127.0.0.1:4222", THAIDRAW_NATS_PREFIX="blue")
    generators = chosen_generators(chosen)
    assert isinstance(generators, NatsGenerators)
    assert generators.names.jobs_stream == "blue-jobs"
    assert generators.names.job_subject("abc", 512, 384) == "blue.jobs.512x384.abc"


def test_a_prefix_that_cannot_name_a_stream_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("THAIDRAW_NATS_PREFIX", "my.install")
    with pytest.raises(SettingsError, match="THAIDRAW_NATS_PREFIX"):
        load_settings(BotSettings, _env_file=None)


def test_a_worker_reads_the_generator_settings_as_serve_does(monkeypatch):
    monkeypatch.setenv("THAIDRAW_TEXT_ENCODER", "mclip")
    monkeypatch.setenv("THAIDRAW_WORKER_NAME", "")
    worker = load_settings(WorkerSettings, _env_file=None, device="cpu", batch_size=2)
    part = worker.generator_part()
    assert (part.text_encoder, part.device) == ("mclip", "cpu")
    assert (worker.worker_name, worker.batch_size) == (None, 2)


async def test_an_unreachable_nats_server_is_said_in_one_line_without_the_password():
    unreachable = NatsSettings(
        nats_url=SecretStr("nats://bot:hunter2-secret@127.0.0.1:1"), _env_file=None
    )
    problem = await check_reachable(unreachable)
    assert problem is not None
    assert problem.startswith("cannot reach the NATS server at nats://127.0.0.1:1")
    assert "hunter2" not in problem
    assert "\n" not in problem


async def test_a_refused_connection_is_said_at_once_not_after_the_probes_deadline():
    started = time.monotonic()
    problem = await check_reachable(
        NatsSettings(nats_url=SecretStr("nats://127.0.0.1:1"), _env_file=None)
    )
    assert problem is not None
    assert "ConnectionRefusedError" in problem
    assert time.monotonic() - started < nats_wire.PROBE_SECONDS / 2


async def test_a_server_that_never_answers_is_said_after_the_probes_deadline(monkeypatch):
    monkeypatch.setattr(nats_wire, "PROBE_SECONDS", 0.3)
    silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    async with silent:
        problem = await check_reachable(
            NatsSettings(nats_url=SecretStr(f"nats://127.0.0.1:{port}"), _env_file=None)
        )
    assert problem == (
        f"cannot reach the NATS server at nats://127.0.0.1:{port} (THAIDRAW_NATS_URL): "
        "TimeoutError: no answer in 0.3 s"
    )


async def test_a_bot_whose_nats_server_is_away_does_not_start(tmp_path):
    generators = NatsGenerators(
        NatsConfig(NatsSettings(nats_url=SecretStr("nats://127.0.0.1:1"), _env_file=None), tmp_path)
    )
    with pytest.raises(GeneratorUnavailable, match="cannot reach the NATS server"):
        await generators.start(lambda update: None, _ignore)


async def _ignore(news) -> None:
    pass
