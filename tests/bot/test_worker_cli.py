"""`thaidraw worker`'s options become the settings its generator process draws with."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot import worker_cli


@pytest.fixture
def started_with(monkeypatch) -> list[worker_cli.WorkerSettings]:
    """The settings each `thaidraw worker` run would have started its worker with."""
    runs: list[worker_cli.WorkerSettings] = []

    async def record(settings: worker_cli.WorkerSettings) -> None:
        runs.append(settings)

    monkeypatch.setattr(worker_cli, "run_worker", record)
    return runs


def run(*arguments: str):
    return CliRunner().invoke(
        worker_cli.worker,
        ["--nats", "nats://127.0.0.1:4222", "--models", "smoke", *arguments],
        env={"THAIDRAW_PRECISION": None, "THAIDRAW_DETERMINISTIC": None},
    )


@pytest.mark.parametrize("precision", ["fp32", "bf16", "auto"])
def test_the_precision_option_reaches_the_generator_settings(started_with, precision) -> None:
    result = run("--precision", precision)
    assert result.exit_code == 0, result.output
    assert [settings.precision for settings in started_with] == [precision]


def test_without_the_option_the_environment_decides(started_with, monkeypatch) -> None:
    monkeypatch.setenv("THAIDRAW_PRECISION", "fp32")
    result = CliRunner().invoke(
        worker_cli.worker, ["--nats", "nats://127.0.0.1:4222", "--models", "smoke"]
    )
    assert result.exit_code == 0, result.output
    assert started_with[0].precision == "fp32"


def test_deterministic_is_passed_on(started_with) -> None:
    result = run("--deterministic")
    assert result.exit_code == 0, result.output
    assert started_with[0].deterministic is True


def test_an_unknown_precision_is_refused_before_anything_starts(started_with) -> None:
    result = run("--precision", "fp16")
    assert result.exit_code == 2
    assert "fp16" in result.output
    assert started_with == []
