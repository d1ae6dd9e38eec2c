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


# Amazon's default usage plans, one per operation of the four APIs vendorcast uses (the Usage Plan table in each
# operation's description in Amazon's models: Reports 2021-06-30, Catalog Items 2022-04-01, Notifications v1,
# Vendor Orders v1; ../shared/reference/spapi.md §2.1, §4.1, §5.1, §6.1). A test holds this table to the models.
USAGE_PLANS: dict[str, UsagePlan] = {
    # Reports
    "createReport": UsagePlan(0.0167, 15),
    "getReport": UsagePlan(2.0, 15),
    "getReports": UsagePlan(0.0222, 10),
    "cancelReport": UsagePlan(0.0222, 10),
    "getReportDocument": UsagePlan(0.0167, 15),
    "getReportSchedules": UsagePlan(0.0222, 10),
    "createReportSchedule": UsagePlan(0.0222, 10),
    "getReportSchedule": UsagePlan(0.0222, 10),
    "cancelReportSchedule": UsagePlan(0.0222, 10),
    # Catalog Items
    "getCatalogItem": UsagePlan(2.0, 2),
    "searchCatalogItems": UsagePlan(2.0, 2),
    # Vendor Orders
    "getPurchaseOrders": UsagePlan(10.0, 10),
    "getPurchaseOrder": UsagePlan(10.0, 10),
    "getPurchaseOrdersStatus": UsagePlan(10.0, 10),
    "submitAcknowledgement": UsagePlan(10.0, 10),
    # Notifications
    "createDestination": UsagePlan(1.0, 5),
    "getDestinations": UsagePlan(1.0, 5),
    "getDestination": UsagePlan(1.0, 5),
    "deleteDestination": UsagePlan(1.0, 5),
    "createSubscription": UsagePlan(1.0, 5),
    "getSubscription": UsagePlan(1.0, 5),
    "getSubscriptions": UsagePlan(1.0, 5),
    "getSubscriptionById": UsagePlan(1.0, 5),
    "deleteSubscriptionById": UsagePlan(1.0, 5),
    "sendTestNotification": UsagePlan(1.0, 5),
}


# The shared bucket's times go to DynamoDB with 6 decimals and add up intervals rounded to them: a call that waited
# until its token is due must not miss it by a rounding (a millisecond is far below Amazon's own granularity).
_SLACK = 1e-3
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
    """A token bucket kept in one DynamoDB item, shared by all functions drawing on one SP-API usage plan.

    It is the bucket's equivalent GCRA (generic cell rate algorithm) form, which DynamoDB can update atomically: the
    item holds `tat`, the time the bucket will be full again. A call may go when `tat - (burst - 1) / rate <= now`
    and pushes `tat` to `max(tat, now) + 1 / rate`. Taking a token is one conditional UpdateItem (two, when another
    function moved the bucket since this one last saw it); settling a call is one more."""

    plan: UsagePlan
    clock: Clock
    table: Any  # boto3 DynamoDB Table
    key: str
    _seen: float | None = field(default=None, init=False, repr=False)  # the last `tat` read or written

    @property
    def _interval(self) -> float:
        return 1.0 / self.plan.rate

    @property
    def _tolerance(self) -> float:
        return (self.plan.burst - 1) * self._interval

    def _update(self, expression: str, condition: str, values: dict[str, float]) -> bool:
        """Apply `expression` if `condition` holds; remember the bucket's `tat` either way."""
        try:
            response = self.table.update_item(
                Key={RATE_LIMIT_KEY: self.key}, UpdateExpression=expression, ConditionExpression=condition,
                ExpressionAttributeValues={name: Decimal(f"{value:.6f}") for name, value in values.items()},
                ReturnValues="UPDATED_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = exc.response.get("Item", {}).get("tat")
            self._seen = None if old is None else float(old.get("N", 0) if isinstance(old, dict) else old)
            return False
        self._seen = float(response["Attributes"]["tat"])
        return True

    def acquire(self) -> float:
        waited = 0.0
        while True:
            now = self.clock.now().timestamp()
            if self._seen is None or self._seen <= now:  # full again: the call starts a schedule from now
                taken = self._update("SET tat = :next", "attribute_not_exists(tat) OR tat <= :now",
                                     {":next": now + self._interval, ":now": now})
            elif self._seen - self._tolerance <= now + _SLACK:  # tokens left: the call joins the schedule
                taken = self._update("SET tat = tat + :interval", "tat > :now AND tat <= :latest",
                                     {":interval": self._interval, ":now": now,
                                      ":latest": now + self._tolerance + _SLACK})
            else:  # empty: wait for the next token
                wait = self._seen - self._tolerance - now
                self.clock.sleep(wait)
                waited += wait
                continue
            if taken:
                return waited
            # Another function moved the bucket: look again with what DynamoDB returned.

    def settle(self) -> None:
        """The call that took a token has ended. Amazon counted it when the request arrived, as late as now: the
        bucket is full no earlier than one interval from now (see TokenBucket.settle)."""
        floor = self.clock.now().timestamp() + self._interval
        if self._seen is None or self._seen < floor:
            self._update("SET tat = :floor", "tat < :floor", {":floor": floor})

    def drain(self) -> None:
        """Amazon said 429: its bucket is empty, so the next token comes one interval from now."""
        empty = self.clock.now().timestamp() + self._tolerance + self._interval
        self._update("SET tat = :empty", "attribute_not_exists(tat) OR tat < :empty", {":empty": empty})


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
