"""What the catalog functions need, built once per process from the environment the stacks (or the local runtime)
set: config, catalog table, queues, lake, alert topic, request ledger (for failed reports), SP-API sessions, clock."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import boto3

from vendorcast.alerts.publisher import AlertPublisher
from vendorcast.catalog.observe import WatchRules
from vendorcast.catalog.store import CatalogStore
from vendorcast.clock import Clock, get_clock
from vendorcast.config import AccountConfig, ConfigError, VendorcastConfig
from vendorcast.ingestion.context import config_from_environment
from vendorcast.ingestion.ledger import RequestLedger
from vendorcast.lake.storage import LakeStorage
from vendorcast.resources import (
    ENV_ALERT_TOPIC_ARN,
    ENV_CATALOG_DLQ_URL,
    ENV_CATALOG_QUEUE_URL,
    ENV_CATALOG_TABLE,
    ENV_LAKE_BUCKET,
    ENV_LEDGER_TABLE,
    ENV_RATE_LIMIT_TABLE,
)
from vendorcast.spapi.catalog import CatalogItemsApi
from vendorcast.spapi.client import SpApiEndpoints
from vendorcast.spapi.sessions import SpApiSessions
from vendorcast.vocabulary.catalog_fields import tracked_fields


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} is not set; the stack sets it on every catalog function")
    return value


@dataclass
class CatalogContext:
    config: VendorcastConfig
    store: CatalogStore
    bucket: str
    lake: LakeStorage  # the lake bucket as a filesystem (reading curated tables)
    queue_url: str
    dlq_url: str | None
    s3: Any
    sqs: Any
    publisher: AlertPublisher
    clock: Clock
    sessions: SpApiSessions
    ledger: RequestLedger | None = None  # catalog_watch reads failed reports; catalog_item needs none
    _apis: dict[tuple[str, str], CatalogItemsApi] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> CatalogContext:
        clock = get_clock()
        bucket = _required_env(ENV_LAKE_BUCKET)
        # Locally AWS_ENDPOINT_URL points boto3 at the emulator; pyarrow's S3 needs to be told.
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
        ledger_table = os.environ.get(ENV_LEDGER_TABLE)
        rate_limits = os.environ.get(ENV_RATE_LIMIT_TABLE)
        return cls(
            config=config_from_environment(),
            store=CatalogStore(_required_env(ENV_CATALOG_TABLE)),
            bucket=bucket,
            lake=LakeStorage.s3(bucket, region=os.environ.get("AWS_REGION"), endpoint_url=endpoint),
            queue_url=_required_env(ENV_CATALOG_QUEUE_URL),
            dlq_url=os.environ.get(ENV_CATALOG_DLQ_URL),
            s3=boto3.client("s3"),
            sqs=boto3.client("sqs"),
            publisher=AlertPublisher(_required_env(ENV_ALERT_TOPIC_ARN), boto3.client("sns")),
            clock=clock,
            sessions=SpApiSessions(clock, SpApiEndpoints.from_environment(),
                                   boto3.resource("dynamodb").Table(rate_limits) if rate_limits else None),
            ledger=RequestLedger(ledger_table) if ledger_table else None,
        )

    @property
    def rules(self) -> WatchRules:
        watch = self.config.alerts.catalog
        return WatchRules(frozenset(watch.alert_fields), frozenset(watch.ignore_asins),
                          tracked_fields(watch.alert_fields))

    def catalog_api(self, account: AccountConfig, marketplace_id: str) -> CatalogItemsApi:
        key = (account.name, marketplace_id)
        if key not in self._apis:
            self._apis[key] = CatalogItemsApi(self.sessions.session(account, marketplace_id))
        return self._apis[key]
