"""Every storage test runs on SQLite and, when THAIDRAW_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from storage.database import Database
from storage.urls import normalise_database_url
from tests.storage.builders import START, ManualClock

POSTGRES_URL_VARIABLE = "THAIDRAW_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of its own: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'thaidraw.db'}"
        return
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    server_url = normalise_database_url(server_url)
    schema = f"thaidraw_test_{secrets.token_hex(6)}"  # parallel and repeated runs never collide
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


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def database(database_url: str, clock: ManualClock) -> Iterator[Database]:
    with Database.open(database_url, clock=clock) as opened:
        yield opened
