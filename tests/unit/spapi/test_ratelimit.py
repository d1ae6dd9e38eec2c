"""Token buckets pace calls to Amazon's usage plans in the clock's time (scaled locally)."""

from __future__ import annotations

from datetime import UTC, datetime

from vendorcast.spapi.ratelimit import USAGE_PLANS, RateLimiter, TokenBucket, UsagePlan


class ManualClock:
    """A clock whose time moves only when something sleeps on it."""

    scale = 1.0

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)

    def monotonic(self) -> float:
        return self.t


def test_burst_then_the_sustained_rate() -> None:
    clock = ManualClock()
    bucket = TokenBucket(USAGE_PLANS["createReport"], clock)
    waits = [bucket.acquire() for _ in range(20)]
    assert waits[:15] == [0.0] * 15, "the burst of 15 goes at once"
    # then one per 1/0.0167 s (about a minute)
    assert all(abs(w - 1 / 0.0167) < 1e-6 for w in waits[16:])
    assert abs(clock.t - 5 / 0.0167) < 1e-6


def test_a_429_empties_the_bucket() -> None:
    clock = ManualClock()
    bucket = TokenBucket(UsagePlan(2.0, 15), clock)
    bucket.drain()
    assert bucket.acquire() == 0.5


def test_limiter_keeps_one_bucket_per_operation() -> None:
    limiter = RateLimiter(ManualClock())
    assert limiter.bucket("getReport") is limiter.bucket("getReport")
    assert limiter.bucket("getReport") is not limiter.bucket("createReport")


def test_a_settled_call_refills_only_from_its_end() -> None:
    """Amazon counts a call when it arrives, up to the moment it answers: time in flight earns no token."""
    clock = ManualClock()
    bucket = TokenBucket(UsagePlan(1.0, 1), clock)
    assert bucket.acquire() == 0.0
    clock.sleep(0.4)  # the request is in flight
    bucket.settle()
    assert bucket.acquire() == 1.0  # a whole interval after the end of the previous call
