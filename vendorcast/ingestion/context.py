"""What the ingestion functions need, built once per process from the environment the stacks (or the
local runtime) set: config, ledger, lake bucket, queues, SP-API sessions, clock, operator alerts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import boto3

from vendorcast.alerts.operator import OperatorAlerts
from vendorcast.alerts.topic import TopicPublisher
from vendorcast.clock import Clock, get_clock
from vendorcast.config import AccountConfig, VendorcastConfig
from vendorcast.function_environment import config_from_environment, required_env, spapi_sessions_from_environment
from vendorcast.ingestion.ledger import RequestLedger
from vendorcast.resources import (
    ENV_LAKE_BUCKET,
    ENV_LEDGER_TABLE,
    ENV_OPS_TOPIC_ARN,
    ENV_REPORT_EVENTS_DLQ_URL,
    ENV_REPORT_EVENTS_QUEUE_URL,
)
from vendorcast.spapi.reports import ReportsApi
from vendorcast.spapi.sessions import SpApiSessions


@dataclass
class IngestionContext:
    config: VendorcastConfig
    ledger: RequestLedger
    bucket: str
    queue_url: str
    dlq_url: str | None
    s3: Any
    sqs: Any
    alerts: OperatorAlerts
    clock: Clock
    sessions: SpApiSessions
    _apis: dict[tuple[str, str], ReportsApi] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> IngestionContext:
        topic = os.environ.get(ENV_OPS_TOPIC_ARN)
        clock = get_clock()
        return cls(
            config=config_from_environment(),
            ledger=RequestLedger(required_env(ENV_LEDGER_TABLE)),
            bucket=required_env(ENV_LAKE_BUCKET),
            queue_url=required_env(ENV_REPORT_EVENTS_QUEUE_URL),
            dlq_url=os.environ.get(ENV_REPORT_EVENTS_DLQ_URL),
            s3=boto3.client("s3"),
            sqs=boto3.client("sqs"),
            alerts=OperatorAlerts(TopicPublisher(topic, boto3.client("sns")) if topic else None),
            clock=clock,
            sessions=spapi_sessions_from_environment(clock),
        )

    def reports_api(self, account: AccountConfig, marketplace_id: str) -> ReportsApi:
        """One Reports client per account and marketplace, sharing this process's rate limiter."""
        key = (account.name, marketplace_id)
        if key not in self._apis:
            self._apis[key] = ReportsApi(self.sessions.session(account, marketplace_id))
        return self._apis[key]
