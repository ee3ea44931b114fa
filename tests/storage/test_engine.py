"""SQLite's set-up; these tests need a file, so they do not run on PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import Database
from storage.engine import SQLITE_BUSY_TIMEOUT_MS


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Database:
    with Database.open(f"sqlite:///{tmp_path / 'thaidraw.db'}") as database:
        yield database


def test_every_sqlite_connection_uses_wal_foreign_keys_and_a_busy_timeout(
    sqlite_database: Database,
) -> None:
    with sqlite_database.engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == SQLITE_BUSY_TIMEOUT_MS


def _try_to_write(database_file: Path) -> None:
    with sqlite3.connect(database_file, timeout=0, isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")


def test_a_write_transaction_holds_the_write_lock_from_its_start(
    sqlite_database: Database, tmp_path: Path
) -> None:
    with sqlite_database.sessions.write() as session:
        session.connection()  # begins the transaction; nothing is read or written yet
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            _try_to_write(tmp_path / "thaidraw.db")
    _try_to_write(tmp_path / "thaidraw.db")


def test_a_read_does_not_stop_writers(sqlite_database: Database, tmp_path: Path) -> None:
    with sqlite_database.sessions.read() as session:
        session.connection()  # begins the read transaction
        _try_to_write(tmp_path / "thaidraw.db")
