"""What the ingestion functions need, built once per process from the environment the stacks (or the
local runtime) set: config, ledger, lake bucket, queues, SP-API sessions, clock, operator alerts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import boto3
from aws_lambda_powertools.utilities import parameters

from vendorcast.alerts.operator import OperatorAlerts
from vendorcast.clock import Clock, get_clock
from vendorcast.config import AccountConfig, ConfigError, VendorcastConfig, config_from_json, load_config
from vendorcast.ingestion.ledger import RequestLedger
from vendorcast.resources import (
    ENV_CONFIG_FILE,
    ENV_CONFIG_PARAMETER,
    ENV_LAKE_BUCKET,
    ENV_LEDGER_TABLE,
    ENV_OPS_TOPIC_ARN,
    ENV_RATE_LIMIT_TABLE,
    ENV_REPORT_EVENTS_DLQ_URL,
    ENV_REPORT_EVENTS_QUEUE_URL,
)
from vendorcast.spapi.client import SpApiEndpoints
from vendorcast.spapi.reports import ReportsApi
from vendorcast.spapi.sessions import SpApiSessions


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} is not set; the stack sets it on every function")
    return value


def config_from_environment() -> VendorcastConfig:
    """The config from the SSM parameter the stack wrote (or a TOML file, for the CLI)."""
    if os.environ.get(ENV_CONFIG_FILE):
        return load_config(os.environ[ENV_CONFIG_FILE])
    name = _required_env(ENV_CONFIG_PARAMETER)
    return config_from_json(parameters.get_parameter(name, max_age=300))


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
    endpoints: SpApiEndpoints = field(default_factory=SpApiEndpoints.from_environment)
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)  # tests only; else Secrets Manager
    rate_limit_table: Any | None = None  # DynamoDB table of shared token buckets; None: in-process buckets
    _sessions: SpApiSessions | None = None
    _apis: dict[tuple[str, str], ReportsApi] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> IngestionContext:
        topic = os.environ.get(ENV_OPS_TOPIC_ARN)
        return cls(
            config=config_from_environment(),
            ledger=RequestLedger(_required_env(ENV_LEDGER_TABLE)),
            bucket=_required_env(ENV_LAKE_BUCKET),
            queue_url=_required_env(ENV_REPORT_EVENTS_QUEUE_URL),
            dlq_url=os.environ.get(ENV_REPORT_EVENTS_DLQ_URL),
            s3=boto3.client("s3"),
            sqs=boto3.client("sqs"),
            alerts=OperatorAlerts(topic, boto3.client("sns") if topic else None),
            clock=get_clock(),
            rate_limit_table=boto3.resource("dynamodb").Table(_required_env(ENV_RATE_LIMIT_TABLE)),
        )

    def reports_api(self, account: AccountConfig, marketplace_id: str) -> ReportsApi:
        """One Reports client per account and marketplace, sharing this process's rate limiter."""
        key = (account.name, marketplace_id)
        if key not in self._apis:
            if self._sessions is None:
                self._sessions = SpApiSessions(self.clock, self.endpoints, self.rate_limit_table, self.credentials)
            self._apis[key] = ReportsApi(self._sessions.session(account, marketplace_id))
        return self._apis[key]
