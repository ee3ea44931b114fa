"""Fixtures of the picture evaluation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.generator.thclip.commands import single_torch_thread


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    with single_torch_thread():
        yield
