from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import storage.migrate
from storage.database import Database
from storage.engine import create_storage_engine, for_writing
from storage.migrate import alembic_config, current_revision, upgrade_to_head
from storage.models import Base
from tests.storage.builders import new_job

TABLES = {"users", "jobs", "job_messages", "images", "feedback", "platform_events"}


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_migrated_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_opening_a_database_migrates_it_to_the_latest_revision(database: Database) -> None:
    assert current_revision(database.engine) == _head()
    assert set(inspect(database.engine).get_table_names()) >= TABLES


def test_without_migrate_an_empty_database_stays_empty_until_upgraded(database_url: str) -> None:
    with Database.open(database_url, migrate=False) as database:
        assert current_revision(database.engine) is None
        assert not TABLES & set(inspect(database.engine).get_table_names())
        upgrade_to_head(database.engine)
        upgrade_to_head(database.engine)  # a second upgrade finds nothing to do
        assert current_revision(database.engine) == _head()


def test_a_migrated_database_opens_again_with_its_rows(database_url: str) -> None:
    with Database.open(database_url) as database:
        database.users.get_or_create("web", "w1")
    with Database.open(database_url) as database:
        assert database.users.get_or_create("web", "w1").id == 1


def test_a_new_revision_is_generated_after_the_head(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(Path(storage.migrate.__file__).parent / "migrations", scripts)
    monkeypatch.setattr(storage.migrate, "SCRIPT_LOCATION", str(scripts))
    previous_head = _head()
    engine = create_storage_engine(database_url)
    try:
        written = Path(storage.migrate.autogenerate_revision(engine, "nothing changed"))
    finally:
        engine.dispose()
    text = written.read_text()
    assert written.parent == scripts / "versions"
    assert f"down_revision: str | Sequence[str] | None = {previous_head!r}" in text
    assert "op." not in text  # the models equal the migrated schema: nothing to do


def test_jobs_that_ended_before_the_told_at_revision_count_as_told(database_url: str) -> None:
    with Database.open(database_url) as database:
        user_id = database.users.get_or_create("discord", "1001").id
        ended, waiting = new_job(database, user_id), new_job(database, user_id)
        database.jobs.mark_running(ended.id)
        database.jobs.mark_done(ended.id)
        with for_writing(database.engine).begin() as connection:
            command.downgrade(alembic_config(connection), "c7d1e2f3a4b5")
        upgrade_to_head(database.engine)
        ended_now = database.jobs.get(ended.id)
        assert ended_now.told_at is not None
        assert ended_now.told_at == ended_now.finished_at
        assert database.jobs.get(waiting.id).told_at is None
