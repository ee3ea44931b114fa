"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.weights.layout import WeightsLayout
from generator.weights.smoke import ensure_smoke_models
from storage.database import scratch_schema

# pytester: tests of the suite's own hooks run pytest inside pytest; chromium: the line that says
# the browser tests were skipped.
pytest_plugins = ["pytester", "tests.bot.web.chromium"]

TEST_DATA = Path(__file__).resolve().parent / "data"
# Machine-translated captions may not be shipped; CI has ../shared/reference beside the checkout.
CAPTIONS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "captions"
POSTGRES_URL_VARIABLE = "THAIDRAW_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def test_data() -> Path:
    """The project's real, MIT-licensed test data (`tests/data`: LAION head, VQGAN config)."""
    return TEST_DATA


@pytest.fixture(scope="session")
def reference_captions() -> Path:
    """The real caption files in `../shared/reference/captions` (skips, saying so, without them)."""
    if not CAPTIONS_DIR.is_dir():
        pytest.skip(
            f"needs the machine-translated captions at {CAPTIONS_DIR} (not shipped with the "
            "project; put the shared reference data beside the checkout to run it)"
        )
    return CAPTIONS_DIR


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
