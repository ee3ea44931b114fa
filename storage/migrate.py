"""Alembic, configured in code: the migration scripts ship inside the package."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine

from storage.engine import for_writing

SCRIPT_LOCATION = "storage:migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration without alembic.ini; env.py migrates `connection` when given."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every migration not yet applied, in one transaction.

    On SQLite the transaction holds the write lock, so two processes starting at once do not
    both migrate.
    """
    with for_writing(engine).begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def autogenerate_revision(engine: Engine, message: str) -> str:
    """Write a new revision for what the models changed since head; returns its file path.

    For developers: the database is first brought to head, then compared with the models.
    """
    upgrade_to_head(engine)
    with for_writing(engine).begin() as connection:
        script = command.revision(alembic_config(connection), message=message, autogenerate=True)
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic did not write exactly one revision")
    return script.path


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
