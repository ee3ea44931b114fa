"""deploy/README.md's backup and restore: `thaidraw db backup` while `thaidraw serve` writes."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import get_args

from generator.weights.layout import WeightsLayout
from storage.database import Database
from storage.records import JobRecord, JobStatus
from storage.urls import default_database_url
from tests.bot.conftest import draw_request
from tests.bot.running_bot import bot_environment, queue_jobs, running_bot, thaidraw

BOT_JOBS = 3
WRITING_SECONDS = 120.0


class JobWriter(threading.Thread):
    """Another writer on the bot's database: keeps adding jobs, remembering each committed one."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(name="job-writer")
        self.data_dir = data_dir
        self.committed: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        with Database.open(default_database_url(self.data_dir)) as database:
            user = database.users.get_or_create("web", "writer")
            request = draw_request().with_seed().to_dict()
            while not self.done.wait(0.02):
                job = database.jobs.create(
                    user_id=user.id,
                    platform="web",
                    conversation={},
                    raw_text="/วาด",
                    request=request,
                )
                self.committed.append(job.id)  # create() has returned: the row is committed


def jobs_in(database_url: str) -> dict[str, JobRecord]:
    with Database.open(database_url, migrate=False) as database:
        return {job.id: job for job in database.jobs.in_states(get_args(JobStatus))}


def assert_complete(jobs: dict[str, JobRecord], committed: list[str]) -> None:
    """Every job committed before the backup began is there, each one whole."""
    assert set(committed) <= set(jobs)
    for job in jobs.values():  # a finished job and its pictures are one transaction
        assert (job.status == "done") == (len(job.images) == 2), job


def test_a_backup_taken_while_the_bot_writes_restores_every_committed_job(
    tmp_path: Path, smoke_layout: WeightsLayout
) -> None:
    data = tmp_path / "data"
    bot_job_ids = queue_jobs(data, BOT_JOBS)
    env = bot_environment(data, smoke_layout)
    backups: list[tuple[Path, list[str]]] = []
    writer = JobWriter(data)
    with running_bot(env, tmp_path):
        writer.start()
        try:
            # Back up again and again while the writer writes and the bot draws (and writes).
            deadline = time.monotonic() + WRITING_SECONDS
            bot_busy = True
            while bot_busy and time.monotonic() < deadline:
                bot_jobs = jobs_in(default_database_url(data))
                bot_busy = any(bot_jobs[job_id].status != "done" for job_id in bot_job_ids)
                committed_before = list(writer.committed)
                path = tmp_path / f"thaidraw-{len(backups)}.db"
                result = thaidraw("db", "backup", str(path), env=env, cwd=tmp_path)
                assert result.returncode == 0, result.stderr
                assert result.stdout.startswith("backed up ")
                backups.append((path, committed_before))
        finally:
            writer.done.set()
            writer.join()
    assert not bot_busy, "the bot did not finish its jobs"
    assert len(backups) >= 2
    assert writer.committed

    for path, committed_before in backups:
        assert_complete(jobs_in(f"sqlite:///{path}"), committed_before)
    # The last one, taken after the bot had finished, goes back through `thaidraw db restore`.
    path, committed_before = backups[-1]
    restored = tmp_path / "restored"
    result = thaidraw(
        "db",
        "restore",
        "--yes",
        str(path),
        env={**env, "THAIDRAW_DATA_DIR": str(restored)},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    jobs = jobs_in(default_database_url(restored))
    assert_complete(jobs, committed_before)
    assert all(jobs[job_id].status == "done" for job_id in bot_job_ids)
