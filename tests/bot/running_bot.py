"""`thaidraw serve` as a real subprocess (smoke models, SQLite in a temporary folder)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from generator.weights.layout import WeightsLayout
from storage.database import Database
from storage.urls import default_database_url
from tests.bot.conftest import draw_request

START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
# Settings of the machine running the tests must not leak into the bot under test.
_FOREIGN_PREFIXES = ("THAIDRAW_", "DISCORD_", "LINE_", "DATABASE_URL", "PUBLIC_BASE_URL")

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_environment() -> dict[str, str]:
    """This process's environment without any of the bot's settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_PREFIXES)}


def bot_environment(data_dir: Path, smoke_layout: WeightsLayout, **settings: str) -> dict[str, str]:
    """A clean environment for `thaidraw serve`: smoke models on the CPU, JSON logs."""
    env = clean_environment()
    env.update(
        THAIDRAW_DATA_DIR=str(data_dir),
        THAIDRAW_WEIGHTS_DIR=str(smoke_layout.root.parent),
        THAIDRAW_MODELS="smoke",
        THAIDRAW_DEVICE="cpu",
        THAIDRAW_PORT=str(free_port()),
        THAIDRAW_LOG_FORMAT="json",
        THAIDRAW_PROGRESS_EVERY="100",
    )
    env.update(settings)
    return env


def thaidraw(*args: str, env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one `thaidraw` command to its end."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def queue_jobs(data_dir: Path, count: int, *, steps: int = 2) -> list[str]:
    """Write queued jobs into the bot's database, as an earlier run would have left them."""
    with Database.open(default_database_url(data_dir)) as database:
        user = database.users.get_or_create("web", "tester", "Tester")
        return [
            database.jobs.create(
                user_id=user.id,
                platform="web",
                conversation={},
                raw_text="/วาด คฤหาสน์",
                request=draw_request(steps=steps).with_seed().to_dict(),
            ).id
            for _ in range(count)
        ]


class RunningBot:
    """A started `thaidraw serve`; its stderr goes to a file (read it with `log_lines`)."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, stderr_path: Path) -> None:
        self.process = process
        self.base_url = f"http://127.0.0.1:{port}"
        self.stderr_path = stderr_path

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def health(self) -> tuple[int, dict[str, Any]]:
        status, body = self.get("/healthz")
        return status, json.loads(body)

    def wait_for(self, probe: Callable[[], T | None], timeout: float = START_TIMEOUT) -> T:
        """Call `probe` until it returns something other than None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"thaidraw serve exited:\n{self.stderr()}")
            result = probe()
            if result is not None:
                return result
            time.sleep(0.1)
        raise AssertionError(f"gave up after {timeout} s; the bot said:\n{self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def log_lines(self) -> list[str]:
        return [line for line in self.stderr().splitlines() if line.strip()]

    def stop(self) -> int:
        """SIGTERM, as systemd and Docker stop it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


@contextmanager
def running_bot(
    env: Mapping[str, str], cwd: Path, *args: str, own_group: bool = False
) -> Iterator[RunningBot]:
    """`thaidraw serve ARGS` until the block ends; waits until it answers HTTP.

    `own_group`: in a process group of its own, as a terminal runs it (Ctrl-C reaches the group).
    """
    stderr_path = cwd / "serve.log"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", *args],
            env=dict(env),
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=own_group,
        )
    bot = RunningBot(process, int(env["THAIDRAW_PORT"]), stderr_path)
    try:
        bot.wait_for(_answers(bot))
        yield bot
    finally:
        bot.stop()


def is_running(pid: int) -> bool:
    """The process exists and has not ended (an ended child nobody reaped yet does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # the state follows the name in brackets


def running_in_group(group: int) -> list[int]:
    """The running processes of a process group."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended while we looked
        if fields[0] != "Z" and int(fields[2]) == group:
            found.append(int(stat.parent.name))
    return found


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _answers(bot: RunningBot) -> Callable[[], bool | None]:
    def probe() -> bool | None:
        try:
            bot.get("/healthz")
        except (ConnectionError, urllib.error.URLError):
            return None
        return True

    return probe
