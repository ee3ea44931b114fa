"""`thaidraw serve` as a real process: stopping it (Ctrl-C or SIGTERM) while a job is drawn."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from generator.weights.layout import WeightsLayout
from storage.database import Database
from storage.urls import default_database_url
from tests.bot.running_bot import (
    STOP_TIMEOUT,
    bot_environment,
    queue_jobs,
    running_bot,
    running_in_group,
    wait_until,
)

GRACE_SECONDS = 60  # bot/serve.py SHUTDOWN_GRACE_SECONDS


def job_status(data_dir: Path, job_id: str) -> str:
    with Database.open(default_database_url(data_dir)) as database:
        job = database.jobs.get(job_id)
        assert job is not None
        return job.status


@pytest.mark.parametrize("how", ["ctrl-c to the terminal's process group", "sigterm to the bot"])
def test_stopping_while_a_job_is_drawn_gives_it_the_grace_and_prints_no_traceback(
    tmp_path: Path, smoke_layout: WeightsLayout, how: str
) -> None:
    data_dir = tmp_path / "data"
    (job_id,) = queue_jobs(data_dir, 1, steps=12)
    env = bot_environment(data_dir, smoke_layout)
    with running_bot(env, tmp_path, own_group=True) as bot:
        bot.wait_for(lambda: True if job_status(data_dir, job_id) == "running" else None)
        if how.startswith("ctrl-c"):
            os.killpg(bot.process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
        else:
            bot.process.send_signal(signal.SIGTERM)  # what systemd and Docker do
        assert bot.process.wait(GRACE_SECONDS + STOP_TIMEOUT) == 0
    stderr = bot.stderr()
    assert "Traceback" not in stderr
    assert "KeyboardInterrupt" not in stderr
    assert job_status(data_dir, job_id) in ("done", "queued")  # finished, or back in line
    assert wait_until(lambda: not running_in_group(bot.process.pid), timeout=10)
