"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.weights.layout import WeightsLayout
from generator.weights.smoke import ensure_smoke_models
from storage.database import scratch_schema

REFERENCE_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
POSTGRES_URL_VARIABLE = "THAIDRAW_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The read-only real data in `../shared/reference` (skips when the checkout lacks it)."""
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"reference data not found at {REFERENCE_DIR}")
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def smoke_layout(tmp_path_factory: pytest.TempPathFactory) -> WeightsLayout:
    """The smoke models, built once per test session; treat the files as read-only."""
    return ensure_smoke_models(tmp_path_factory.mktemp("weights"))


@pytest.fixture(scope="session")
def weights_dir(smoke_layout: WeightsLayout) -> Path:
    """THAIDRAW_WEIGHTS_DIR for commands run with --models smoke."""
    return smoke_layout.root.parent


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of its own: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'thaidraw.db'}"
        return
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    with scratch_schema(server_url, prefix="thaidraw_test") as url:
        yield url
