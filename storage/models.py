"""The tables, as SQLAlchemy 2.0 typed ORM classes. Only storage/ uses them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.text import storable

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")
IMAGE_KINDS = ("full", "preview")
FEEDBACK_KINDS = ("emoji", "button", "postback")
FEEDBACK_ACTIONS = ("added", "removed")
JOB_ID_LENGTH = 16  # secrets.token_urlsafe(9) gives 12 characters
WORKER_NAME_LENGTH = 64
IDEMPOTENCY_KEY_LENGTH = 64


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores none and returns naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: storage keeps timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    # Named constraints make migrations reproducible across SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class User(Base):
    """A person on one platform (the same person on Discord and LINE is two users)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime]


class Job(Base):
    """One accepted draw request, written before it is queued."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_one_of("status", JOB_STATUSES), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index(None, "user_id", "created_at"),
        Index(None, "status"),
        Index(None, "created_at"),
        UniqueConstraint("user_id", "idempotency_key"),
    )

    id: Mapped[str] = mapped_column(String(JOB_ID_LENGTH), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    platform: Mapped[str] = mapped_column(String(16))
    conversation: Mapped[dict[str, Any]]  # where to answer, in the adapter's own terms
    raw_text: Mapped[str] = mapped_column(Text)
    request: Mapped[dict[str, Any]]  # DrawRequest.to_dict(), seed already chosen
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    seed: Mapped[int | None]
    steps: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    styles: Mapped[list[str]]
    model_versions: Mapped[dict[str, Any]]
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    message_refs: Mapped[dict[str, Any]]  # e.g. Discord channel + message id, LINE reply token
    # The client's name for its request (web `Idempotency-Key`): a retry finds this job.
    idempotency_key: Mapped[str | None] = mapped_column(String(IDEMPOTENCY_KEY_LENGTH))
    # The GPU worker that drew it (or draws it now); None on a single machine.
    worker: Mapped[str | None] = mapped_column(String(WORKER_NAME_LENGTH))
    # When its user was told how it ended; None while they are owed that (a restart tells them).
    told_at: Mapped[datetime | None]

    images: Mapped[list[Image]] = relationship(back_populates="job", order_by="Image.id")


class JobMessage(Base):
    """A platform message that shows a job, so a reaction to it finds its job."""

    __tablename__ = "job_messages"
    __table_args__ = (UniqueConstraint("platform", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(128))


class Image(Base):
    """A picture file under the images directory, named by job id."""

    __tablename__ = "images"
    __table_args__ = (
        UniqueConstraint("job_id", "kind"),
        CheckConstraint(_one_of("kind", IMAGE_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"))
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(256))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    mime_type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    job: Mapped[Job] = relationship(back_populates="images")


class Feedback(Base):
    """One reaction event: a reaction added or removed, a button pressed, a postback."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(_one_of("kind", FEEDBACK_KINDS), name="kind"),
        CheckConstraint(_one_of("action", FEEDBACK_ACTIONS), name="action"),
        CheckConstraint("value IN (-1, 0, 1)", name="value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(128))  # the emoji or the button's label
    value: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]


class PlatformEvent(Base):
    """A webhook or gateway event already handled; platforms redeliver, we act once."""

    __tablename__ = "platform_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime]


def _storable_on_set(_row: Base, value: Any, _old: Any, _initiator: Any) -> Any:
    return storable(value) if isinstance(value, str | dict | list) else value


# Every text and JSON value is cleaned as it is assigned (constructor arguments too), so no
# write fails half-way on an unencodable character, and records built from a row hold what
# the database holds.
for _mapper in Base.registry.mappers:
    for _column in _mapper.column_attrs:
        event.listen(_column.class_attribute, "set", _storable_on_set, retval=True)
