"""The database the bot keeps: one engine, short sessions, and a repository per table group."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine, select

from storage.engine import create_storage_engine
from storage.events import PlatformEventRepository
from storage.feedback import FeedbackRepository
from storage.images import ImageRepository
from storage.jobs import JobRepository
from storage.migrate import upgrade_to_head
from storage.sessions import Clock, Sessions, utc_now
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
