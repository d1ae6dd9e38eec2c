"""SP-API sessions of a deployment: one per account and marketplace, all of an account's drawing on one set of
token buckets (Amazon's usage plans are per selling partner), shared through DynamoDB when a table is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vendorcast.clock import Clock
from vendorcast.config import AccountConfig
from vendorcast.spapi.client import SpApiEndpoints, SpApiSession
from vendorcast.spapi.ratelimit import RateLimiter


@dataclass
class SpApiSessions:
    clock: Clock
    endpoints: SpApiEndpoints
    rate_limit_table: Any | None = None  # DynamoDB table of shared token buckets; None: in-process buckets
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)  # tests only; else Secrets Manager
    _limiters: dict[str, RateLimiter] = field(default_factory=dict)
    _sessions: dict[tuple[str, str], SpApiSession] = field(default_factory=dict)

    def session(self, account: AccountConfig, marketplace_id: str) -> SpApiSession:
        key = (account.name, marketplace_id)
        if key not in self._sessions:
            if account.name not in self._limiters:
                self._limiters[account.name] = RateLimiter(self.clock, table=self.rate_limit_table,
                                                           scope=account.name)
            self._sessions[key] = SpApiSession(account, marketplace_id, credentials=self.credentials.get(account.name),
                                               endpoints=self.endpoints, limiter=self._limiters[account.name],
                                               clock=self.clock)
        return self._sessions[key]
