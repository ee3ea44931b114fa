from __future__ import annotations

from datetime import date

from bot.web.dashboard import DayBar, day_bars
from storage.stats import DayCount


def test_day_bars_cover_the_last_days_with_empty_days_and_scale_to_the_busiest() -> None:
    per_day = [DayCount(date(2025, 1, 1), 9, 9), DayCount(date(2025, 1, 3), 4, 2)]
    bars = day_bars(per_day, today=date(2025, 1, 4), days=3)
    assert bars == [
        DayBar(date(2025, 1, 2), 0, 0, 0.0, 0.0),
        DayBar(date(2025, 1, 3), 4, 2, 1.0, 0.5),
        DayBar(date(2025, 1, 4), 0, 0, 0.0, 0.0),
    ]


def test_day_bars_without_any_jobs_are_flat() -> None:
    assert {bar.height for bar in day_bars([], today=date(2025, 1, 4))} == {0.0}
