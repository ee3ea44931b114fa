"""How often a status message may change, and the bar that shows how far a drawing is."""

from __future__ import annotations

import time
from collections.abc import Callable

# Discord allows about five message edits per five seconds in a channel, and several jobs may
# share one channel; a preview every few seconds is as lively as people need.
EDIT_INTERVAL_SECONDS = 3.0
BAR_WIDTH = 12


def progress_bar(step: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = min(width, width * step // total) if total > 0 else 0
    return "▰" * filled + "▱" * (width - filled)


class EditThrottle:
    """At most one edit per `interval` seconds for each status message (keyed by job id)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._last_edit: dict[str, float] = {}

    def due(self, key: str) -> bool:
        """Whether an optional edit (a progress preview) may be made now."""
        last = self._last_edit.get(key)
        return last is None or self._clock() - last >= self.interval

    def edited(self, key: str) -> None:
        self._last_edit[key] = self._clock()

    def forget(self, key: str) -> None:
        self._last_edit.pop(key, None)
