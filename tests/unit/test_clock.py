"""The fast-forward clock: scaled time that can jump ahead, never back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vendorcast.clock import FastForwardClock

START = datetime(2026, 3, 1, 6, tzinfo=UTC)


def test_it_jumps_ahead_and_keeps_running_scaled() -> None:
    for _ in range(2000):  # a clock mixing wall and monotonic time failed this about once in a few hundred runs
        clock = FastForwardClock(START, scale=600)
        before, then = clock.monotonic(), clock.now()
        clock.advance_to(START + timedelta(days=3))
        assert START + timedelta(days=3) <= clock.now() < START + timedelta(days=3, minutes=10)
        waited = clock.monotonic() - before
        assert waited >= (START + timedelta(days=3) - then).total_seconds(), "waits measured across the jump see it"


def test_a_moment_already_past_does_not_move_it_back() -> None:
    clock = FastForwardClock(START, scale=600)
    clock.advance_to(START + timedelta(days=2))
    reached = clock.now()
    clock.advance_to(START + timedelta(days=1))
    assert clock.now() >= reached
