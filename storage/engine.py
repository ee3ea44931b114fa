"""Engines: SQLite set up for many writers from threads, PostgreSQL through psycopg 3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

SQLITE_BUSY_TIMEOUT_MS = 30_000
_SQLITE_BEGIN = "thaidraw_sqlite_begin"  # execution option read by the "begin" hook below


def create_storage_engine(url: str) -> Engine:
    """An engine for `url`; on SQLite: WAL, foreign keys, a busy timeout, explicit BEGIN."""
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _prepare_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def for_writing(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock at BEGIN.

    A deferred transaction that reads and then writes can fail at once with "database is
    locked" when another writer got there first (the busy timeout cannot help it); one that
    begins IMMEDIATE waits its turn instead.
    """
    return engine.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})


def _prepare_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (below); the sqlite3 module's implicit BEGIN would be
    # deferred and would skip SELECTs and DDL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough in WAL mode, much faster
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    mode = connection.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")
