"""`thaidraw db …` through the real entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from storage.database import Database
from storage.urls import default_database_url
from tests.storage.builders import new_job


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("THAIDRAW_DATA_DIR", str(tmp_path / "data"))


def thaidraw(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def test_upgrade_migrates_an_empty_database_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    first = thaidraw("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert "upgraded from an empty database to revision" in first.output
    again = thaidraw("db", "upgrade")
    assert again.exit_code == 0
    assert "is up to date" in again.output


def test_upgrade_uses_sqlite_in_the_data_directory_by_default(tmp_path: Path) -> None:
    result = thaidraw("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "thaidraw.db").is_file()


def test_an_unreachable_database_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:secret@127.0.0.1:1/thaidraw")
    result = thaidraw("db", "upgrade")
    assert result.exit_code == 1
    assert result.output.startswith("Error: database postgresql+psycopg://bot:***@127.0.0.1:1/")
    assert "secret" not in result.output
    assert result.output.count("\n") == 1


def _open_default(tmp_path: Path) -> Database:
    return Database.open(default_database_url(tmp_path / "data"))


def test_backup_writes_a_copy_and_keeps_an_existing_one_unless_told(tmp_path: Path) -> None:
    with _open_default(tmp_path) as database:
        new_job(database, database.users.get_or_create("line", "U1").id)
    backed_up = thaidraw("db", "backup", "backup.db")
    assert backed_up.exit_code == 0, backed_up.output
    assert backed_up.output == "backed up 1 jobs to backup.db\n"
    refused = thaidraw("db", "backup", "backup.db")
    assert refused.exit_code == 1
    assert "backup.db already exists; pass --overwrite to replace it" in refused.output
    assert thaidraw("db", "backup", "backup.db", "--overwrite").exit_code == 0


def test_restore_asks_first_then_brings_back_the_backup(tmp_path: Path) -> None:
    with _open_default(tmp_path) as database:
        user = database.users.get_or_create("line", "U1")
        kept = new_job(database, user.id)
        assert thaidraw("db", "backup", "backup.db").exit_code == 0
        new_job(database, user.id)

    declined = thaidraw("db", "restore", "backup.db", input="n\n")
    assert declined.exit_code == 1
    with _open_default(tmp_path) as database:
        assert len(database.jobs.in_states(["queued"])) == 2

    restored = thaidraw("db", "restore", "backup.db", "--yes")
    assert restored.exit_code == 0, restored.output
    assert restored.output.startswith("restored 1 jobs from backup.db; the database is at revision")
    with _open_default(tmp_path) as database:
        assert [job.id for job in database.jobs.in_states(["queued"])] == [kept.id]


def test_backup_of_postgresql_points_to_pg_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db.example/thaidraw")
    result = thaidraw("db", "backup", "backup.db")
    assert result.exit_code == 1
    assert "pg_dump" in result.output
    assert result.output.count("\n") == 1
    assert not Path("backup.db").exists()
