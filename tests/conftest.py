"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.weights.layout import WeightsLayout
from generator.weights.smoke import ensure_smoke_models

REFERENCE_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


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
