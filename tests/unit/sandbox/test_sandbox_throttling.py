from datetime import UTC, datetime

from vendorcast.sandbox.manual_clock import ManualClock
from vendorcast.sandbox.settings import RateLimit
from vendorcast.sandbox.throttling import RateLimiter


def make_limiter() -> tuple[RateLimiter, ManualClock]:
    clock = ManualClock(datetime(2025, 6, 18, tzinfo=UTC))
    return RateLimiter(clock, {"createReport": RateLimit(rate=0.0167, burst=15)}), clock


def test_the_burst_is_spent_then_calls_are_throttled():
    limiter, _ = make_limiter()
    assert all(limiter.acquire("createReport") for _ in range(15))
    assert not limiter.acquire("createReport")
    stats = limiter.stats()["createReport"]
    assert (stats.calls, stats.accepted, stats.throttled, stats.max_burst) == (16, 15, 1, 15)


def test_tokens_come_back_at_the_rate_in_simulated_seconds():
    limiter, clock = make_limiter()
    for _ in range(15):
        limiter.acquire("createReport")
    clock.advance(59)
    assert not limiter.acquire("createReport")
    clock.advance(2)
    assert limiter.acquire("createReport")
    assert not limiter.acquire("createReport")


def test_a_paced_client_never_dips_deep_into_the_bucket():
    limiter, clock = make_limiter()
    for _ in range(50):
        assert limiter.acquire("createReport")
        clock.advance(60)
    stats = limiter.stats()["createReport"]
    assert stats.throttled == 0 and stats.max_burst == 1


def test_default_usage_plans_apply_to_other_operations():
    limiter, _ = make_limiter()
    assert limiter.limit("getReport").rate == 2.0
    assert [limiter.acquire("getCatalogItem") for _ in range(3)] == [True, True, False]


def test_injected_faults_are_counted_apart():
    limiter, _ = make_limiter()
    limiter.acquire("getReport")
    limiter.record_fault("getReport", throttle=True)
    limiter.acquire("getReport")
    limiter.record_fault("getReport", server_error=True)
    stats = limiter.stats()["getReport"]
    assert (stats.calls, stats.accepted, stats.injected_throttles, stats.server_errors) == (2, 0, 1, 1)
    assert stats.too_many_requests == 1
