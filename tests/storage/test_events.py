from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from storage.database import Database


def test_an_event_is_new_once_per_platform(database: Database) -> None:
    assert database.events.record("line", "01HXYZ") is True
    assert database.events.record("line", "01HXYZ") is False
    assert database.events.record("discord", "01HXYZ") is True


def test_racing_deliveries_of_one_event_are_handled_once(database: Database) -> None:
    start = threading.Barrier(12)

    def deliver(_: int) -> bool:
        start.wait()
        return database.events.record("line", "redelivered")

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(deliver, range(12)))
    assert outcomes.count(True) == 1
    assert outcomes.count(False) == 11
