"""What the dashboard shows: the queue, the community's figures and the generator process."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from bot.generators import GeneratorStatus
from bot.service import DrawService, QueueNow
from storage.stats import DayCount, QualityReport

REPORT_DAYS = 30
CHART_DAYS = 14


@dataclass(frozen=True)
class Dashboard:
    queue: QueueNow
    report: QualityReport
    generator: GeneratorStatus

    def to_dict(self) -> dict[str, Any]:
        return {
            "queue": asdict(self.queue),
            "report": self.report.to_dict(),
            "generator": asdict(self.generator),
        }


async def read_dashboard(service: DrawService) -> Dashboard:
    """Everything the dashboard needs, read on the event loop in one call."""
    report = await service.quality(REPORT_DAYS)
    return Dashboard(await service.queue_now(), report, service.generators.status())


@dataclass(frozen=True)
class DayBar:
    day: date
    jobs: int
    done: int
    height: float  # 0–1, of the busiest day's bar
    done_height: float


def day_bars(per_day: Sequence[DayCount], today: date, days: int = CHART_DAYS) -> list[DayBar]:
    """One bar per day for the last `days` days up to `today`, empty days included."""
    counts = {count.day: count for count in per_day}
    window = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    busiest = max((counts[day].jobs for day in window if day in counts), default=0)
    bars = []
    for day in window:
        count = counts.get(day, DayCount(day, 0, 0))
        scale = 1 / busiest if busiest else 0.0
        bars.append(DayBar(day, count.jobs, count.done, count.jobs * scale, count.done * scale))
    return bars
