"""Fixtures of the picture evaluation tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.weights.layout import WeightsLayout
from tests.generator.thclip.commands import single_torch_thread


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    with single_torch_thread():
        yield


@pytest.fixture(scope="package")
def weights_dir(smoke_layout: WeightsLayout) -> Path:
    """THAIDRAW_WEIGHTS_DIR for commands run with --models smoke."""
    return smoke_layout.root.parent
