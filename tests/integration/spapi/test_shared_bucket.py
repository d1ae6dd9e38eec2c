"""The token bucket the deployed functions share through DynamoDB (on the AWS emulator) paces calls exactly as the
in-process bucket does, however many functions draw on it, with one conditional write per token."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from tests.integration.moto_server import moto_endpoint
from tests.unit.spapi import test_ratelimit
from vendorcast.resources import RATE_LIMIT_KEY
from vendorcast.spapi.ratelimit import USAGE_PLANS, SharedTokenBucket, TokenBucket, UsagePlan

pytestmark = pytest.mark.integration

EPOCH = 1_790_000_000.0  # simulated time starts in 2026, as the buckets' DynamoDB items would


class ManualClock(test_ratelimit.ManualClock):
    """The unit tests' clock (time moves only when something sleeps on it, or the test moves it), started in 2026."""

    def __init__(self) -> None:
        self.t = EPOCH


class CountingTable:
    """The boto3 Table, counting the requests made through it."""

    def __init__(self, table: object) -> None:
        self._table = table
        self.requests = 0

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self._table, name)
        if not callable(attribute):
            return attribute

        def counted(*args: object, **kwargs: object) -> object:
            self.requests += 1
            return attribute(*args, **kwargs)

        return counted


@pytest.fixture(scope="module")
def table() -> Iterator[object]:
    with moto_endpoint():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        created = dynamodb.create_table(
            TableName="rate-limits", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": RATE_LIMIT_KEY, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": RATE_LIMIT_KEY, "KeyType": "HASH"}])
        yield created


def functions(table: object, plan: UsagePlan, clock: ManualClock, key: str, n: int) -> list[SharedTokenBucket]:
    """`n` functions (their own bucket objects, so their own view of the item) drawing on one shared bucket."""
    return [SharedTokenBucket(plan, clock, table, key) for _ in range(n)]


@pytest.mark.parametrize("operation", ["createReport", "getCatalogItem"])
def test_three_functions_together_wait_as_one_in_process_bucket_would(table, operation) -> None:
    plan = USAGE_PLANS[operation]
    calls = plan.burst + 12
    reference_clock = ManualClock()
    reference = TokenBucket(plan, reference_clock)
    expected = [reference.acquire() for _ in range(calls)]

    clock = ManualClock()
    shared = functions(table, plan, clock, f"equivalence/{operation}", 3)
    waits = [shared[i % 3].acquire() for i in range(calls)]

    assert waits[:plan.burst] == [0.0] * plan.burst, "the burst goes at once"
    assert waits == pytest.approx(expected, abs=2e-3)  # the shared bucket keeps times to the microsecond
    assert clock.t - EPOCH == pytest.approx(reference_clock.t - EPOCH, abs=2e-3)


def test_calls_never_exceed_the_usage_plan_in_any_window(table) -> None:
    plan = UsagePlan(rate=2.0, burst=5)
    clock = ManualClock()
    shared = functions(table, plan, clock, "windows", 4)
    granted = []
    for i in range(60):
        if i % 7 == 0:
            clock.sleep(1.3)  # pauses let tokens come back, never more than the burst
        shared[(i * 3) % 4].acquire()
        granted.append(clock.t)
    for start in granted:
        for width in (0.0, 0.5, 1.0, 2.5, 10.0):
            inside = sum(start <= t <= start + width for t in granted)
            assert inside <= plan.burst + (width + 1e-3) * plan.rate, (start, width, inside)


def test_one_write_per_token_when_one_function_draws_on_it(table) -> None:
    plan = USAGE_PLANS["getReport"]
    clock = ManualClock()
    counting = CountingTable(table)
    bucket = SharedTokenBucket(plan, clock, counting, "one-writer")
    for _ in range(plan.burst + 10):
        bucket.acquire()
    assert counting.requests == plan.burst + 10


def test_a_settled_call_refills_only_from_its_end(table) -> None:
    clock = ManualClock()
    first, second = functions(table, UsagePlan(1.0, 1), clock, "settle", 2)
    assert first.acquire() == 0.0
    clock.sleep(0.4)  # the request is in flight
    first.settle()
    assert second.acquire() == pytest.approx(1.0), "a whole interval after the end of the previous call"


def test_a_429_empties_the_bucket_for_every_function(table) -> None:
    clock = ManualClock()
    first, second = functions(table, UsagePlan(2.0, 15), clock, "drain", 2)
    first.acquire()
    first.drain()
    assert second.acquire() == pytest.approx(0.5)
