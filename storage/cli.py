"""`thaidraw db`: migrations, backup and restore of the bot's database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from generator.settings import SettingsError, load_settings
from storage.backup import BackupError, backup_sqlite, restore_sqlite
from storage.database import Database
from storage.migrate import autogenerate_revision, current_revision, upgrade_to_head
from storage.settings import StorageSettings
from storage.urls import display_url, sqlite_file

PG_DUMP_HINT = (
    'PostgreSQL: back up with `pg_dump --format=custom --file=thaidraw.dump "$DATABASE_URL"` '
    'and restore with `pg_restore --clean --dbname="$DATABASE_URL" thaidraw.dump`'
)


def configured_database_url() -> str:
    """The database URL from the environment, or a one-line error naming the variable."""
    try:
        return load_settings(StorageSettings).resolved_database_url()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:  # the data directory could not be created
        raise click.ClickException(f"THAIDRAW_DATA_DIR: {error}") from None


@contextmanager
def open_configured_database(*, migrate: bool = True) -> Iterator[Database]:
    """The configured database (migrated unless told not to); database errors become one line."""
    url = configured_database_url()
    try:
        with Database.open(url, migrate=migrate) as database:
            yield database
    except SQLAlchemyError as error:
        reason = " ".join(str(getattr(error, "orig", None) or error).split())  # one line
        raise click.ClickException(f"database {display_url(url)}: {reason}") from None


def _configured_sqlite_file() -> Path:
    database_file = sqlite_file(configured_database_url())
    if database_file is None:
        raise click.ClickException(PG_DUMP_HINT)
    return database_file


@click.group()
def db() -> None:
    """The database: migrations, backup and restore."""


@db.command()
def upgrade() -> None:
    """Apply the migrations the database lacks (the bot also does this when it starts)."""
    with open_configured_database(migrate=False) as database:
        before = current_revision(database.engine)
        upgrade_to_head(database.engine)
        after = current_revision(database.engine)
        where = display_url(database.engine.url)
    if before == after:
        click.echo(f"{where} is up to date (revision {after})")
    else:
        click.echo(f"{where} upgraded from {before or 'an empty database'} to revision {after}")


@db.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
def backup(path: Path, overwrite: bool) -> None:
    """Write a consistent copy of the SQLite database to PATH, also while the bot runs."""
    if path.exists() and not overwrite:
        raise click.ClickException(f"{path} already exists; pass --overwrite to replace it")
    try:
        jobs = backup_sqlite(_configured_sqlite_file(), path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backed up {jobs} jobs to {path}")


@db.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.confirmation_option(
    prompt="This replaces everything in the database with the backup. Is the bot stopped?"
)
def restore(path: Path) -> None:
    """Replace the SQLite database with the backup at PATH (stop the bot first)."""
    try:
        jobs = restore_sqlite(path, _configured_sqlite_file())
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    # A backup from an older version is brought up to date.
    with open_configured_database() as database:
        at_revision = current_revision(database.engine)
    click.echo(f"restored {jobs} jobs from {path}; the database is at revision {at_revision}")


@db.command()
@click.argument("message")
def revision(message: str) -> None:
    """For developers: write a migration for what changed in storage/models.py."""
    with open_configured_database(migrate=False) as database:
        click.echo(autogenerate_revision(database.engine, message))
