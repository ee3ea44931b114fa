"""Approval rates read from a real (SQLite) database of jobs and reactions."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.evaluation.feedback import configured_database_url, stored_feedback
from generator.evaluation.prompts import EvalPrompt
from storage.database import Database
from storage.records import FeedbackCounts
from tests.storage.builders import new_job

SHORT = "คฤหาสน์ แฟนตาซี"
LONG = "แมวสีส้มนอนหลับอยู่บนกองหนังสือข้างหน้าต่าง"


def vote(database: Database, job_id: str, user_id: int, value: int) -> None:
    database.feedback.record(
        job_id=job_id, user_id=user_id, platform="discord", kind="button",
        label="👍" if value > 0 else "👎", value=value,
    )  # fmt: skip


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Two short-prompt jobs (3 up, 1 down) and one long-prompt job (1 up, 1 down)."""
    url = f"sqlite:///{tmp_path / 'thaidraw.db'}"
    with Database.open(url) as database:
        users = [database.users.get_or_create("discord", str(n)).id for n in range(3)]
        first = new_job(database, users[0], SHORT)
        second = new_job(database, users[1], " คฤหาสน์\u200b  แฟนตาซี ")  # the same, typed loosely
        long_job = new_job(database, users[2], LONG)
        vote(database, first.id, users[1], +1)
        vote(database, first.id, users[2], +1)
        vote(database, second.id, users[0], +1)
        vote(database, second.id, users[2], -1)
        vote(database, long_job.id, users[0], +1)
        vote(database, long_job.id, users[1], -1)
    return url


def test_approval_is_given_for_all_jobs_and_for_short_and_long_prompts(database_url: str) -> None:
    feedback = stored_feedback(database_url, [])
    assert [(group.name, group.jobs, group.votes) for group in feedback.by_length] == [
        ("all", 3, FeedbackCounts(up=4, down=2)),
        ("short", 2, FeedbackCounts(up=3, down=1)),
        ("long", 1, FeedbackCounts(up=1, down=1)),
    ]
    assert feedback.by_length[1].votes.approval == pytest.approx(0.75)


def test_evaluation_prompts_that_people_drew_get_their_own_rows(database_url: str) -> None:
    prompts = [EvalPrompt(SHORT, "a fantasy mansion", "short"), EvalPrompt("ดอกบัว", None, "short")]
    (mansion,) = stored_feedback(database_url, prompts).by_prompt
    assert (mansion.name, mansion.jobs, mansion.votes) == (SHORT, 2, FeedbackCounts(up=3, down=1))


def test_without_a_configured_database_there_is_none_and_none_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("THAIDRAW_DATA_DIR", str(tmp_path / "data"))
    assert configured_database_url() is None
    assert not (tmp_path / "data").exists()


def test_the_bots_sqlite_file_or_database_url_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("THAIDRAW_DATA_DIR", str(tmp_path))
    assert configured_database_url() == database_url
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:secret@db.example/thaidraw")
    assert configured_database_url() == "postgresql+psycopg://bot:secret@db.example/thaidraw"
