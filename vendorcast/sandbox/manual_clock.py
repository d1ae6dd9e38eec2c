"""A clock that moves only when told: for tests and demos that need the emulator's simulated time (report
processing, token buckets, URL expiry) to stand still or jump."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class ManualClock:
    scale = 1.0

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's start must be timezone-aware (UTC)")
        self._lock = threading.Lock()
        self._now = start
        self._elapsed = 0.0

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def sleep(self, seconds: float) -> None:
        """Sleeping on a manual clock moves it forward (nothing else would)."""
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock never goes backwards")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._elapsed += seconds
