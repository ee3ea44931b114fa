"""The database the bot keeps: one engine, short sessions, and a repository per table group."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.engine import create_storage_engine
from storage.events import PlatformEventRepository
from storage.feedback import FeedbackRepository
from storage.images import ImageRepository
from storage.jobs import JobRepository
from storage.migrate import upgrade_to_head
from storage.sessions import Clock, Sessions, utc_now
from storage.urls import normalise_database_url
from storage.users import UserRepository


class Database:
    """Every method of the repositories is synchronous and thread-safe; the bot's event loop
    calls them through `asyncio.to_thread`."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.sessions = Sessions(engine)
        self.users = UserRepository(self.sessions, clock)
        self.jobs = JobRepository(self.sessions, clock)
        self.images = ImageRepository(self.sessions, clock)
        self.feedback = FeedbackRepository(self.sessions, clock)
        self.events = PlatformEventRepository(self.sessions, clock)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, clock: Clock = utc_now) -> Database:
        """Connect to `url` and (by default) apply the migrations it lacks."""
        engine = create_storage_engine(url)
        try:
            if migrate:
                upgrade_to_head(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock=clock)

    def ping(self) -> None:
        """Raise SQLAlchemyError unless the database answers a trivial query (health checks)."""
        with self.engine.connect() as connection:
            connection.execute(select(1))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def unreachable_reason(url: str, timeout: float) -> str | None:
    """Why the database at `url` does not answer (one line), or None when it does.

    Waits at most about `timeout` seconds for a server (a host that drops packets would
    otherwise hold start-up for minutes).
    """
    connect_args = {"connect_timeout": max(1, round(timeout))} if _is_postgres(url) else {}
    engine = create_engine(url, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            connection.execute(select(1))
    except SQLAlchemyError as error:
        return " ".join(str(getattr(error, "orig", None) or error).split())
    finally:
        engine.dispose()
    return None


def _is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


@contextmanager
def scratch_schema(server_url: str, prefix: str = "thaidraw_scratch") -> Iterator[str]:
    """For tests and benchmarks: the URL of a new, empty PostgreSQL schema, dropped afterwards.

    Runs in parallel or one after another never share tables.
    """
    server_url = normalise_database_url(server_url)
    schema = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
