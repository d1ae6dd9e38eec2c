"""SP-API usage plans on the emulator's side: one token bucket per operation, refilled in simulated time,
and per-operation statistics that let tests prove a client respected the limits."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace

from vendorcast.clock import Clock
from vendorcast.sandbox.settings import DEFAULT_RATE_LIMITS, RateLimit


@dataclass(frozen=True)
class OperationStats:
    calls: int = 0  # authenticated requests to the operation
    accepted: int = 0
    throttled: int = 0  # 429 because the token bucket was empty
    injected_throttles: int = 0  # 429 injected as a fault
    server_errors: int = 0  # 5xx injected as a fault
    # The deepest dip into the bucket: the most tokens in use at once. A client that paces itself keeps
    # this at or below the burst; `throttled` says whether it ever went over.
    max_burst: int = 0

    @property
    def too_many_requests(self) -> int:
        return self.throttled + self.injected_throttles


_FLOAT_NOISE_TOKENS = 1e-5


class TokenBucket:
    """`burst` tokens, refilled at `rate` per simulated second; each call takes one."""

    def __init__(self, limit: RateLimit, now: float) -> None:
        self.limit = limit
        self.tokens = float(limit.burst)
        self.updated = now

    def take(self, now: float) -> bool:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.limit.burst), self.tokens + elapsed * self.limit.rate)
        self.updated = now
        # A client paced to the exact moment its token is due may arrive a float rounding early (times near 1.8e9 s
        # carry about 2e-7 s of float64 resolution); that is no quota exceeded.
        if self.tokens >= 1.0 - _FLOAT_NOISE_TOKENS:
            self.tokens = max(0.0, self.tokens - 1.0)
            return True
        return False

    @property
    def in_use(self) -> int:
        return math.ceil(self.limit.burst - self.tokens - 1e-9)


class RateLimiter:
    """Token buckets by operationId (Amazon's default plans unless overridden) and their statistics."""

    def __init__(self, clock: Clock, limits: dict[str, RateLimit] | None = None) -> None:
        self._clock = clock
        self._limits = {**DEFAULT_RATE_LIMITS, **(limits or {})}
        self._lock = threading.Lock()
        self._buckets: dict[str, TokenBucket] = {}
        self._stats: dict[str, OperationStats] = {}

    def limit(self, operation: str) -> RateLimit:
        return self._limits[operation]

    def acquire(self, operation: str) -> bool:
        """Take a token for one call; False means answer 429."""
        with self._lock:
            now = self._clock.monotonic()
            bucket = self._buckets.get(operation)
            if bucket is None:
                bucket = self._buckets[operation] = TokenBucket(self._limits[operation], now)
            stats = self._stats.get(operation, OperationStats())
            ok = bucket.take(now)
            if ok:
                stats = replace(
                    stats,
                    calls=stats.calls + 1,
                    accepted=stats.accepted + 1,
                    max_burst=max(stats.max_burst, bucket.in_use),
                )
            else:
                stats = replace(stats, calls=stats.calls + 1, throttled=stats.throttled + 1)
            self._stats[operation] = stats
            return ok

    def record_fault(self, operation: str, *, throttle: bool = False, server_error: bool = False) -> None:
        """An accepted call that was answered with an injected fault instead."""
        with self._lock:
            stats = self._stats.get(operation, OperationStats())
            self._stats[operation] = replace(
                stats,
                accepted=stats.accepted - 1,
                injected_throttles=stats.injected_throttles + int(throttle),
                server_errors=stats.server_errors + int(server_error),
            )

    def stats(self) -> dict[str, OperationStats]:
        with self._lock:
            return dict(self._stats)
