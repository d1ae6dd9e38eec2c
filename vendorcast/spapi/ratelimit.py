"""Per-operation token buckets mirroring SP-API's usage plans, so that calls are paced rather than
throttled. Time comes from vendorcast.clock, so the local runtime's time scale applies to them too."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from vendorcast.clock import Clock, get_clock


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
}


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
                # The epsilon absorbs float rounding: after sleeping exactly the computed wait the
                # refill may come to 0.9999999, and a sub-nanosecond sleep would not move the clock.
                if self.tokens >= 1.0 - 1e-9:
                    self.tokens = max(0.0, self.tokens - 1.0)
                    return waited
                wait = (1.0 - self.tokens) / self.plan.rate
            self.clock.sleep(wait)
            waited += wait

    def drain(self) -> None:
        """Amazon said 429: its bucket is empty whatever ours thinks, so empty ours too."""
        with self._lock:
            self._refill()
            self.tokens = 0.0


class RateLimiter:
    """One bucket per operation, shared by every client of this process."""

    def __init__(self, clock: Clock | None = None, plans: dict[str, UsagePlan] | None = None) -> None:
        self._clock = clock
        self._plans = plans or USAGE_PLANS
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, operation: str) -> TokenBucket:
        with self._lock:
            if operation not in self._buckets:
                plan = self._plans.get(operation)
                if plan is None:
                    raise KeyError(f"no usage plan for SP-API operation {operation!r}")
                self._buckets[operation] = TokenBucket(plan, self._clock or get_clock())
            return self._buckets[operation]
