"""Online backup and restore of the SQLite database, safe while the bot is writing."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from storage.engine import SQLITE_BUSY_TIMEOUT_MS
from storage.errors import StorageError

_TIMEOUT_SECONDS = SQLITE_BUSY_TIMEOUT_MS / 1000


class BackupError(StorageError):
    """A backup or restore that could not be made; the message says why in one line."""


def backup_sqlite(database_file: Path, destination: Path) -> int:
    """Copy a consistent snapshot of the live database to `destination`; returns its job count.

    SQLite's backup API copies every page in one step under one read transaction, so the copy
    holds exactly what was committed when it began; in WAL mode writers carry on meanwhile.
    The copy is checked, switched to a rollback journal (one self-contained file) and only
    then moved into place (replacing any file there), so `destination` never holds a
    half-written backup.
    """
    if not database_file.is_file():
        raise BackupError(f"there is no database at {database_file}")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with _open_read_only(database_file) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        jobs = check_backup(partial)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return jobs


def restore_sqlite(backup_file: Path, database_file: Path) -> int:
    """Replace the database's contents with a checked backup; returns the restored job count.

    Stop the bot first: a running bot keeps jobs in memory that the restored database lacks.
    """
    jobs = check_backup(backup_file)
    database_file.parent.mkdir(parents=True, exist_ok=True)
    with (
        _open_read_only(backup_file) as source,
        closing(sqlite3.connect(database_file, timeout=_TIMEOUT_SECONDS)) as target,
    ):
        source.backup(target)
    return jobs


def check_backup(path: Path) -> int:
    """Raise BackupError unless `path` is an intact ThaiDraw database; returns its job count."""
    if not path.is_file():
        raise BackupError(f"there is no backup at {path}")
    try:
        with _open_read_only(path) as backup:
            verdict = backup.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{path} is damaged: {verdict}")
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", "jobs"} <= tables:
                raise BackupError(f"{path} is not a ThaiDraw database")
            return backup.execute("SELECT count(*) FROM jobs").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}") from None


def _open_read_only(path: Path) -> closing[sqlite3.Connection]:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    return closing(sqlite3.connect(uri, uri=True, timeout=_TIMEOUT_SECONDS))
