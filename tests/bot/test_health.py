"""`GET /healthz`: 200 only while the database, the generator and the event loop all answer."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from bot.bridge import LoopBridge
from bot.generators import GeneratorState, GeneratorStatus
from bot.http.health import Health, check_health, generator_problem
from bot.service import DrawService
from generator.weights.layout import WeightsLayout
from generator.weights.registry import select_files
from tests.bot.running_bot import bot_environment, queue_jobs, running_bot


async def health_of(service: DrawService, loop_timeout: float = 2.0) -> Health:
    bridge = LoopBridge(asyncio.get_running_loop())
    return await asyncio.to_thread(check_health, service, bridge, loop_timeout)


# --- a running `thaidraw serve` ----------------------------------------------------------------


def test_a_running_bot_is_unhealthy_while_loading_then_healthy_with_its_models(
    tmp_path: Path, smoke_layout: WeightsLayout
) -> None:
    queue_jobs(tmp_path / "data", 2)
    env = bot_environment(tmp_path / "data", smoke_layout)
    with running_bot(env, tmp_path) as bot:
        status, first = bot.health()
        assert status == 503
        assert first["status"] == "unhealthy"
        assert first["reasons"] == ["the generator process is loading its models"]
        assert first["queue"] == {"waiting": 2, "running": 0}  # taken up from the database

        def healthy() -> dict | None:
            status, body = bot.health()
            return body if status == 200 else None

        ready = bot.wait_for(healthy)
        assert ready["status"] == "ok"
        assert ready["reasons"] == []
        assert ready["database"] == "ok"
        # States only: no versions, devices, process ids or paths for whoever asks.
        assert ready["generator"] == {"state": ready["generator"]["state"]}
        assert ready["generator"]["state"] in ("ready", "busy")
        assert ready["queue"]["waiting"] + ready["queue"]["running"] <= 2


def test_a_generator_that_cannot_load_its_models_makes_health_503_and_the_log_says_why(
    tmp_path: Path, smoke_layout: WeightsLayout
) -> None:
    # Every file in place passes the start-up check, which looks for files without loading them.
    weights = WeightsLayout(tmp_path / "weights")
    for entry in select_files(("vqgan", "clip", "thclip", "aesthetic")):
        entry.path(weights).parent.mkdir(parents=True, exist_ok=True)
        entry.path(weights).write_bytes(b"not a model")
    env = bot_environment(tmp_path / "data", smoke_layout, THAIDRAW_WEIGHTS_DIR=str(weights.root))
    with running_bot(env, tmp_path, "--models", "real") as bot:

        def load_failed() -> dict | None:
            status, body = bot.health()
            assert status == 503
            return body if body["generator"]["state"] == "load_failed" else None

        report = bot.wait_for(load_failed)
        assert report["reasons"] == [
            "the generator process could not load its models (the log says why)"
        ]
        assert str(weights.root) not in json.dumps(report)  # no paths, no error texts
    # The generator process logs through the same JSON set-up as the serving process.
    entries = [json.loads(line) for line in bot.log_lines()]
    assert any(entry["process"] == "thaidraw-generator" for entry in entries)
    assert any(
        entry["message"].startswith("generator could not load its models: ") for entry in entries
    )


# --- the health function -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (GeneratorState.READY, None),
        (GeneratorState.BUSY, None),
        (GeneratorState.LOADING, "the generator process is loading its models"),
        (
            GeneratorState.LOAD_FAILED,
            "the generator process could not load its models (the log says why)",
        ),
        (GeneratorState.DEAD, "the generator process died and is being restarted"),
        (GeneratorState.STOPPED, "the generator process is not running"),
    ],
)
def test_each_generator_state_has_its_answer(state: GeneratorState, expected: str | None) -> None:
    assert generator_problem(GeneratorStatus(state, load_error="no VQGAN")) == expected


async def test_an_unreachable_database_makes_health_503_and_the_log_says_why(
    idle_service: DrawService, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    idle_service.database.close()
    shutil.rmtree(tmp_path / "db")  # SQLite cannot open a file in a folder that is gone
    health = await health_of(idle_service)
    assert not health.healthy
    assert health.details["database"] == "unreachable"
    assert health.reasons[0] == "the database is unreachable (the log says why)"
    assert "unable to open database" in caplog.text


async def test_a_blocked_event_loop_makes_health_503(idle_service: DrawService) -> None:
    bridge = LoopBridge(asyncio.get_running_loop())
    answers: list[Health] = []
    checking = threading.Thread(
        target=lambda: answers.append(check_health(idle_service, bridge, loop_timeout=0.2))
    )
    checking.start()
    time.sleep(0.5)  # noqa: ASYNC251 - blocks the loop on purpose, as a slow call on it would
    await asyncio.to_thread(checking.join)
    (health,) = answers
    assert "the event loop did not answer within 0.2 s" in health.reasons
    assert "queue" not in health.details


async def test_a_stopped_generator_reports_its_state_with_the_reason(
    idle_service: DrawService,
) -> None:
    health = await health_of(idle_service)
    assert health.to_json() == {
        "status": "unhealthy",
        "reasons": ["the generator process is not running"],
        "database": "ok",
        "generator": {"state": "stopped"},
        "queue": {"waiting": 0, "running": 0},
    }
