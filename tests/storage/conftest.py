"""Every storage test runs on SQLite and, when THAIDRAW_TEST_POSTGRES_URL is set, on PostgreSQL
(the `database_url` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.database import Database
from tests.storage.builders import START, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def database(database_url: str, clock: ManualClock) -> Iterator[Database]:
    with Database.open(database_url, clock=clock) as opened:
        yield opened
