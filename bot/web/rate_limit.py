"""A sliding-window limit per key: votes per visitor, draws and votes per client address."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

FORGET_AFTER_KEYS = 10_000  # past this many keys, those with no recent action are dropped


class RateLimiter:
    """At most `limit` actions per `window_seconds` for each key; safe across threads."""

    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._times: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Count one action for `key` if it is within the limit; False (uncounted) if not."""
        now = self.clock()
        with self._lock:
            if len(self._times) > FORGET_AFTER_KEYS:
                self._forget_idle(now)
            times = self._times.setdefault(key, deque())
            while times and now - times[0] >= self.window_seconds:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True

    def _forget_idle(self, now: float) -> None:
        window = self.window_seconds
        idle = [key for key, times in self._times.items() if not times or now - times[-1] >= window]
        for key in idle:
            del self._times[key]
