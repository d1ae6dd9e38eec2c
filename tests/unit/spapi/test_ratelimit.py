"""Token buckets pace calls to Amazon's usage plans in the clock's time (scaled locally)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from importlib import resources

import pytest

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


def _model_usage_plans() -> dict[str, UsagePlan]:
    """Every operation of the vendored models with the usage plan its description states (rate | burst table)."""
    plans = {}
    for model in resources.files("vendorcast.spapi.models").joinpath("openapi").iterdir():
        if not model.name.endswith(".json"):
            continue
        for operations in json.loads(model.read_text("utf-8"))["paths"].values():
            for operation in operations.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    found = re.search(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|", operation.get("description", ""))
                    assert found, f"{model.name}: {operation['operationId']} states no usage plan"
                    plans[operation["operationId"]] = UsagePlan(float(found[1]), int(found[2]))
    return plans


def test_every_operation_of_amazons_models_has_its_usage_plan() -> None:
    from_models = _model_usage_plans()
    assert {"getPurchaseOrder", "getPurchaseOrdersStatus", "getCatalogItem", "createReport",
            "deleteSubscriptionById"} <= set(from_models), "the four models are vendored"
    assert from_models == USAGE_PLANS


def test_an_operation_without_a_plan_is_named() -> None:
    with pytest.raises(KeyError, match="submitAcknowledgements"):
        RateLimiter(ManualClock()).bucket("submitAcknowledgements")
