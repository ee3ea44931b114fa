"""The data our buttons carry: round trips, LINE's length limit, and foreign data."""

from __future__ import annotations

import pytest

from bot.line.postbacks import MAX_DATA_CHARS, Action, Postback, decode


@pytest.mark.parametrize("action", list(Action))
def test_every_button_reads_back_as_written(action: Action) -> None:
    postback = Postback(action, "aZ09_-" * 10)
    assert decode(postback.encode()) == postback
    assert len(postback.encode()) <= MAX_DATA_CHARS


@pytest.mark.parametrize(
    "data",
    [
        "",
        "a=up",
        "job=abc123",
        "a=explode&job=abc123",
        "a=up&job=../../etc/passwd",
        "a=up&a=down&job=abc123",
        "a=up&job=" + "x" * 300,
    ],
)
def test_data_we_did_not_write_is_not_understood(data: str) -> None:
    assert decode(data) is None
