"""Online backup and restore of SQLite (PostgreSQL has pg_dump)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from storage.backup import BackupError, backup_sqlite, check_backup, restore_sqlite
from storage.database import Database
from tests.storage.builders import new_job


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    return tmp_path / "live" / "thaidraw.db"


@pytest.fixture
def database(database_file: Path) -> Iterator[Database]:
    database_file.parent.mkdir()
    with Database.open(f"sqlite:///{database_file}") as opened:
        yield opened


def _job_ids(database_file: Path) -> set[str]:
    with closing(sqlite3.connect(database_file)) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM jobs")}


def test_a_backup_taken_while_jobs_are_written_holds_every_job_committed_before_it(
    database: Database, database_file: Path, tmp_path: Path
) -> None:
    user = database.users.get_or_create("discord", "busy")
    committed: list[str] = [new_job(database, user.id).id for _ in range(200)]
    errors: list[BaseException] = []
    stop = threading.Event()
    writing = threading.Event()

    def keep_writing() -> None:
        try:
            while not stop.is_set():
                committed.append(new_job(database, user.id).id)
                writing.set()
        except BaseException as error:
            errors.append(error)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert writing.wait(timeout=10)
        before_backup = set(committed)
        jobs_in_backup = backup_sqlite(database_file, tmp_path / "backup.db")
        writing.clear()
        assert writing.wait(timeout=10)  # the bot carries on writing after the backup
    finally:
        stop.set()
        writer.join(timeout=30)
    assert errors == []
    assert check_backup(tmp_path / "backup.db") == jobs_in_backup
    in_backup = _job_ids(tmp_path / "backup.db")
    assert before_backup <= in_backup
    assert in_backup <= set(committed)
    assert not (tmp_path / "backup.db-wal").exists()  # one self-contained file
    with closing(sqlite3.connect(tmp_path / "backup.db")) as backup:
        assert backup.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_restore_brings_back_exactly_the_backed_up_jobs(
    database: Database, database_file: Path, tmp_path: Path
) -> None:
    user = database.users.get_or_create("discord", "nok")
    kept = {new_job(database, user.id).id for _ in range(3)}
    assert backup_sqlite(database_file, tmp_path / "backup.db") == 3
    new_job(database, user.id)
    database.close()

    assert restore_sqlite(tmp_path / "backup.db", database_file) == 3
    with Database.open(f"sqlite:///{database_file}") as restored:
        assert {job.id for job in restored.jobs.in_states(["queued"])} == kept


def test_a_backup_replaces_an_older_one_whole(
    database: Database, database_file: Path, tmp_path: Path
) -> None:
    (tmp_path / "backup.db").write_text("an old backup")
    user = database.users.get_or_create("discord", "nok")
    new_job(database, user.id)
    assert backup_sqlite(database_file, tmp_path / "backup.db") == 1
    assert not (tmp_path / "backup.db.partial").exists()


def test_backing_up_a_missing_database_says_so(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="there is no database at"):
        backup_sqlite(tmp_path / "none.db", tmp_path / "backup.db")
    assert not (tmp_path / "backup.db").exists()


def test_a_file_that_is_not_a_database_is_not_restored(
    database: Database, database_file: Path, tmp_path: Path
) -> None:
    user = database.users.get_or_create("discord", "nok")
    job = new_job(database, user.id)
    (tmp_path / "notes.txt").write_text("not a database " * 100)
    with pytest.raises(BackupError, match="not a readable SQLite database"):
        restore_sqlite(tmp_path / "notes.txt", database_file)
    assert _job_ids(database_file) == {job.id}


def test_another_sqlite_database_is_not_a_thaidraw_backup(tmp_path: Path) -> None:
    with closing(sqlite3.connect(tmp_path / "other.db")) as other:
        other.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match="not a ThaiDraw database"):
        check_backup(tmp_path / "other.db")
