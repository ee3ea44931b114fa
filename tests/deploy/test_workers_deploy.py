"""deploy/ for GPU workers: the NATS configuration, the compose profiles, the worker unit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from bot.worker_cli import SHUTDOWN_GRACE_SECONDS
from tests.deploy.tools import DEPLOY, tool

WORKER_UNIT = DEPLOY / "thaidraw-worker.service"


def services() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


def seconds(duration: str) -> int:
    assert duration.endswith("s")
    return int(duration[:-1])


def test_nats_server_accepts_the_configuration_with_both_passwords(tmp_path: Path) -> None:
    conf = tmp_path / "nats.conf"
    conf.write_text((DEPLOY / "nats.conf").read_text().replace("/data", str(tmp_path)))
    passwords = {"NATS_BOT_PASSWORD": "a" * 24, "NATS_WORKER_PASSWORD": "b" * 24}
    result = subprocess.run(
        [tool("nats-server"), "-t", "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **passwords},
    )
    assert result.returncode == 0, result.stderr


def test_the_nats_server_is_an_opt_in_profile_with_jetstream_on_a_volume_and_passwords() -> None:
    nats = services()["nats"]
    assert nats["profiles"] == ["nats"]  # one machine alone runs no NATS
    assert "nats_data:/data" in nats["volumes"]
    assert set(nats["environment"]) == {"NATS_BOT_PASSWORD", "NATS_WORKER_PASSWORD"}
    assert all(":?" in value for value in nats["environment"].values())  # required


def test_a_gpu_host_runs_one_worker_with_the_gpu_and_time_for_its_grace() -> None:
    worker = services()["worker"]
    assert worker["profiles"] == ["worker"]
    assert worker["command"] == ["thaidraw", "worker"]
    (device,) = worker["deploy"]["resources"]["reservations"]["devices"]
    assert device["capabilities"] == ["gpu"]
    assert seconds(worker["stop_grace_period"]) > SHUTDOWN_GRACE_SECONDS


def test_systemd_accepts_the_worker_unit_for_a_gpu_index(tmp_path: Path) -> None:
    installed_here = Path(sys.executable).parent / "thaidraw"
    unit = tmp_path / "thaidraw-worker@0.service"
    unit.write_text(
        WORKER_UNIT.read_text().replace("/opt/thaidraw/.venv/bin/thaidraw", str(installed_here))
    )
    result = subprocess.run(
        [tool("systemd-analyze"), "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""
