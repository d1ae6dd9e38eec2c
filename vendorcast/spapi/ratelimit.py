"""Per-operation token buckets mirroring SP-API's usage plans, so that calls are paced rather than
throttled. Amazon's bucket is per selling partner and application, shared by every function and container
of a deployment, so the deployed buckets keep their state in DynamoDB (SharedTokenBucket); a process-local
TokenBucket serves the CLI and tests. Time comes from vendorcast.clock, so the local time scale applies."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from botocore.exceptions import ClientError

from vendorcast.clock import Clock, get_clock
from vendorcast.resources import RATE_LIMIT_KEY


@dataclass(frozen=True)
class UsagePlan:
    rate: float  # requests per second
    burst: int


# Amazon's default usage plans (../shared/reference/spapi.md §2.1, §5.1, §6.1).
USAGE_PLANS: dict[str, UsagePlan] = {
    "createReport": UsagePlan(0.0167, 15),
    "getReport": UsagePlan(2.0, 15),
    "getReports": UsagePlan(0.0222, 10),
    "cancelReport": UsagePlan(0.0222, 10),
    "getReportDocument": UsagePlan(0.0167, 15),
    "getCatalogItem": UsagePlan(2.0, 2),
    "searchCatalogItems": UsagePlan(2.0, 2),
    "getPurchaseOrders": UsagePlan(10.0, 10),
    "getPurchaseOrdersStatus": UsagePlan(10.0, 10),
    "createDestination": UsagePlan(1.0, 5),
    "getDestinations": UsagePlan(1.0, 5),
    "createSubscription": UsagePlan(1.0, 5),
    "getSubscription": UsagePlan(1.0, 5),
}


# Tokens at or above this count as one: float rounding must not make a caller wait a sub-nanosecond.
_ONE = 1.0 - 1e-9


@dataclass
class TokenBucket:
    plan: UsagePlan
    clock: Clock
    tokens: float = field(init=False)
    updated: float = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.plan.burst)
        self.updated = self.clock.monotonic()

    def _refill(self) -> None:
        now = self.clock.monotonic()
        self.tokens = min(float(self.plan.burst), self.tokens + (now - self.updated) * self.plan.rate)
        self.updated = now

    def acquire(self) -> float:
        """Take one token, sleeping until one is there; returns the (clock) seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self.tokens >= _ONE:
                    self.tokens = max(0.0, self.tokens - 1.0)
                    return waited
                wait = (1.0 - self.tokens) / self.plan.rate
            self.clock.sleep(wait)
            waited += wait

    def settle(self) -> None:
        """The call that took a token has ended. Amazon counted it when the request arrived, which can be as
        late as now (the first call also waits for the LWA token): refill from now on only, so our bucket
        never runs ahead of Amazon's and the next paced call is not throttled."""
        with self._lock:
            self.updated = max(self.updated, self.clock.monotonic())

    def drain(self) -> None:
        """Amazon said 429: its bucket is empty whatever ours thinks, so empty ours too."""
        with self._lock:
            self._refill()
            self.tokens = 0.0


class Bucket(Protocol):
    def acquire(self) -> float: ...

    def settle(self) -> None: ...

    def drain(self) -> None: ...


@dataclass
class SharedTokenBucket:
    """A token bucket kept in a DynamoDB item, updated with optimistic concurrency (a version number), so
    all functions drawing on one SP-API usage plan see the same tokens."""

    plan: UsagePlan
    clock: Clock
    table: Any  # boto3 DynamoDB Table
    key: str

    def _state(self) -> tuple[float, int]:
        item = self.table.get_item(Key={RATE_LIMIT_KEY: self.key}, ConsistentRead=True).get("Item")
        now = self.clock.now().timestamp()
        if item is None:
            return float(self.plan.burst), 0
        elapsed = max(0.0, now - float(item["updated"]))
        return min(float(self.plan.burst), float(item["tokens"]) + elapsed * self.plan.rate), int(item["version"])

    def _write(self, tokens: float, version: int | None) -> bool:
        item = {RATE_LIMIT_KEY: self.key, "tokens": Decimal(f"{tokens:.6f}"),
                "updated": Decimal(f"{self.clock.now().timestamp():.6f}"), "version": (version or 0) + 1}
        kwargs: dict[str, Any] = {}
        if version is not None:
            kwargs = {"ConditionExpression": "attribute_not_exists(#k) OR version = :v",
                      "ExpressionAttributeNames": {"#k": RATE_LIMIT_KEY},
                      "ExpressionAttributeValues": {":v": version}}
        try:
            self.table.put_item(Item=item, **kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def acquire(self) -> float:
        waited = 0.0
        while True:
            tokens, version = self._state()
            if tokens >= _ONE:
                if self._write(max(0.0, tokens - 1.0), version):
                    return waited
                continue  # someone else took a token first: look again
            wait = (1.0 - tokens) / self.plan.rate
            self.clock.sleep(wait)
            waited += wait

    def settle(self) -> None:
        """The call that took a token has ended: refill from now on only (see TokenBucket.settle). Best
        effort: if another function took a token meanwhile, its write stands."""
        item = self.table.get_item(Key={RATE_LIMIT_KEY: self.key}, ConsistentRead=True).get("Item")
        if item is not None:
            self._write(float(item["tokens"]), int(item["version"]))

    def drain(self) -> None:
        self._write(0.0, None)


class RateLimiter:
    """One bucket per operation for one selling partner (`scope`): in DynamoDB when a table is given,
    else in this process."""

    def __init__(self, clock: Clock | None = None, plans: dict[str, UsagePlan] | None = None, *,
                 table: Any | None = None, scope: str = "default") -> None:
        self._clock = clock
        self._plans = plans or USAGE_PLANS
        self._table = table
        self._scope = scope
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def bucket(self, operation: str) -> Bucket:
        with self._lock:
            if operation not in self._buckets:
                plan = self._plans.get(operation)
                if plan is None:
                    raise KeyError(f"no usage plan for SP-API operation {operation!r}")
                clock = self._clock or get_clock()
                self._buckets[operation] = (
                    SharedTokenBucket(plan, clock, self._table, f"{self._scope}/{operation}")
                    if self._table is not None else TokenBucket(plan, clock)
                )
            return self._buckets[operation]
