"""Sessions for reading and for writing, and the clock the repositories stamp rows with."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.engine import for_writing

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Sessions:
    """Short sessions, one per repository call; nothing live escapes them."""

    def __init__(self, engine: Engine) -> None:
        self._readers = sessionmaker(engine, expire_on_commit=False)
        self._writers = sessionmaker(for_writing(engine), expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._readers() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back if it raises."""
        with self._writers.begin() as session:
            yield session


class Repository:
    """Base of the per-table repositories: they share the sessions and the clock."""

    def __init__(self, sessions: Sessions, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock
