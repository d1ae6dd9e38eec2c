"""Time for the pipeline and the SP-API emulator: the real clock on AWS, a scaled clock locally.

With Amazon's real limits (createReport about once a minute) a two-year backfill takes hours. Locally the
emulator and the pipeline share one ScaledClock: simulated time runs `scale` times faster than the wall
clock, and every rate, wait and timeout is expressed in simulated seconds, so the same code paths run in
minutes. Separate processes share the clock through three environment variables (`clock_environment`).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from vendorcast.resources import ENV_CLOCK_REAL_ANCHOR, ENV_CLOCK_SIM_ANCHOR, ENV_TIME_SCALE


class Clock(Protocol):
    scale: float

    def now(self) -> datetime:
        """Current time (UTC, timezone-aware) on this clock."""
        ...

    def sleep(self, seconds: float) -> None:
        """Sleep for `seconds` of this clock's time."""
        ...

    def monotonic(self) -> float:
        """Seconds of this clock's time since an arbitrary origin, never going backwards."""
        ...


class SystemClock:
    scale = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass(frozen=True)
class ScaledClock:
    """Simulated time that starts at `sim_anchor` when the wall clock reads `real_anchor` (epoch
    seconds) and runs `scale` times faster."""

    sim_anchor: datetime
    real_anchor: float
    scale: float

    @classmethod
    def starting_at(cls, sim_start: datetime, scale: float) -> ScaledClock:
        if scale <= 0:
            raise ValueError(f"time scale must be positive, got {scale}")
        if sim_start.tzinfo is None:
            raise ValueError("the simulated start time must be timezone-aware (UTC)")
        return cls(sim_anchor=sim_start, real_anchor=time.time(), scale=scale)

    def now(self) -> datetime:
        elapsed = (time.time() - self.real_anchor) * self.scale
        return datetime.fromtimestamp(self.sim_anchor.timestamp() + elapsed, UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.scale)

    def monotonic(self) -> float:
        return time.monotonic() * self.scale

    def environment(self) -> dict[str, str]:
        """Environment variables that make `clock_from_environment` rebuild this clock elsewhere."""
        return {
            ENV_CLOCK_SIM_ANCHOR: self.sim_anchor.isoformat(),
            ENV_CLOCK_REAL_ANCHOR: repr(self.real_anchor),
            ENV_TIME_SCALE: repr(self.scale),
        }


_lock = threading.Lock()
_clock: Clock | None = None


def clock_from_environment(environ: dict[str, str] | None = None) -> Clock:
    env = os.environ if environ is None else environ
    if ENV_CLOCK_SIM_ANCHOR not in env:
        return SystemClock()
    return ScaledClock(
        sim_anchor=datetime.fromisoformat(env[ENV_CLOCK_SIM_ANCHOR]),
        real_anchor=float(env[ENV_CLOCK_REAL_ANCHOR]),
        scale=float(env.get(ENV_TIME_SCALE, "1")),
    )


def get_clock() -> Clock:
    """The process clock: set by `use_clock` (local runtime), else read from the environment."""
    global _clock
    with _lock:
        if _clock is None:
            _clock = clock_from_environment()
        return _clock


def use_clock(clock: Clock | None) -> None:
    """Install `clock` as the process clock (None: re-read the environment on next use)."""
    global _clock
    with _lock:
        _clock = clock


class FastForwardClock:
    """Scaled time that can also jump ahead: the local demo runs days of daily schedules (the catalog watch) in
    seconds, where a scaled clock alone would take minutes per simulated day. In-process only (no environment).

    `now()` and `monotonic()` read the same monotonic wall clock, so a wait measured across a jump sees all of it
    (a scaled clock mixing `time.time()` and `time.monotonic()` can disagree by milliseconds, times the scale)."""

    def __init__(self, start: datetime, scale: float) -> None:
        if scale <= 0:
            raise ValueError(f"time scale must be positive, got {scale}")
        if start.tzinfo is None:
            raise ValueError("the simulated start time must be timezone-aware (UTC)")
        self.scale = scale
        self._start = start
        self._origin = time.monotonic()
        self._lock = threading.Lock()
        self._skipped = 0.0

    def _running(self) -> float:
        return (time.monotonic() - self._origin) * self.scale

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.scale)

    def monotonic(self) -> float:
        with self._lock:
            return self._running() + self._skipped

    @property
    def skipped(self) -> float:
        """Seconds of this clock's time jumped over so far."""
        with self._lock:
            return self._skipped

    def advance_to(self, moment: datetime) -> None:
        """Jump to `moment`; a moment already past is a no-op (a clock never goes back)."""
        target = (moment - self._start).total_seconds()
        with self._lock:
            self._skipped = max(self._skipped, target - self._running())
