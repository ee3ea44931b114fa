"""Database URLs: the SQLite default, the PostgreSQL driver, and safe display."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

DATABASE_FILE_NAME = "thaidraw.db"

# Hosting providers hand out `postgres://…`; SQLAlchemy needs the driver named.
_POSTGRES_SCHEMES = ("postgres", "postgresql")
POSTGRES_DRIVER = "postgresql+psycopg"


def default_database_url(data_dir: Path) -> str:
    """SQLite at `<data_dir>/thaidraw.db`; the directory is created if missing."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(data_dir / DATABASE_FILE_NAME).resolve()}"


def normalise_database_url(url: str) -> str:
    """`postgres://` and `postgresql://` use psycopg 3; other URLs are returned unchanged."""
    parsed = make_url(url)
    if parsed.drivername in _POSTGRES_SCHEMES:
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
    return parsed.render_as_string(hide_password=False)


def display_url(url: str | URL) -> str:
    """The URL with any password masked, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str | URL) -> Path | None:
    """The database file of a file-based SQLite URL; None for other databases and `:memory:`."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)
