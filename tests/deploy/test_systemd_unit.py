"""deploy/thaidraw.service: a unit systemd accepts, that stops the bot gracefully."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

from bot.serve import SHUTDOWN_GRACE_SECONDS
from tests.deploy.tools import DEPLOY, tool

UNIT = DEPLOY / "thaidraw.service"
INSTALLED_PROGRAM = "/opt/thaidraw/.venv/bin/thaidraw"


def service_section() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string(UNIT.read_text())
    return parser["Service"]


def test_systemd_accepts_the_unit_once_the_program_is_installed(tmp_path: Path) -> None:
    # systemd checks that ExecStart's program exists: point it at this checkout's `thaidraw`.
    installed_here = Path(sys.executable).parent / "thaidraw"
    unit = tmp_path / "thaidraw.service"
    unit.write_text(UNIT.read_text().replace(INSTALLED_PROGRAM, str(installed_here)))
    result = subprocess.run(
        [tool("systemd-analyze"), "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""  # no unknown keys, no warnings


def test_the_unit_runs_thaidraw_serve_from_the_virtual_environment() -> None:
    service = service_section()
    assert service["ExecStart"] == f"{INSTALLED_PROGRAM} serve"
    assert service["EnvironmentFile"] == "/etc/thaidraw/thaidraw.env"
    assert service["User"] == "thaidraw"


def test_stopping_sends_sigterm_to_the_bot_alone_and_waits_past_its_grace_period() -> None:
    service = service_section()
    assert service["KillSignal"] == "SIGTERM"
    assert service["KillMode"] == "mixed"  # the bot stops its generator process itself
    assert float(service["TimeoutStopSec"]) > SHUTDOWN_GRACE_SECONDS


def test_a_failed_start_up_check_is_not_restarted_in_a_loop() -> None:
    service = service_section()
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"  # `thaidraw serve`'s configuration errors
