"""What the catalog functions need, built once per process from the environment the stacks (or the local runtime)
set: config, catalog table, queues, lake, alert topic, request ledger (for failed reports), SP-API sessions, clock."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import boto3

from vendorcast.alerts.publisher import AlertPublisher
from vendorcast.alerts.topic import TopicPublisher
from vendorcast.catalog.observe import WatchRules
from vendorcast.catalog.store import CatalogStore
from vendorcast.clock import Clock, get_clock
from vendorcast.config import AccountConfig, VendorcastConfig
from vendorcast.function_environment import (
    config_from_environment,
    lake_from_environment,
    required_env,
    spapi_sessions_from_environment,
)
from vendorcast.ingestion.ledger import RequestLedger
from vendorcast.lake.storage import LakeStorage
from vendorcast.resources import (
    ENV_ALERT_TOPIC_ARN,
    ENV_CATALOG_DLQ_URL,
    ENV_CATALOG_QUEUE_URL,
    ENV_CATALOG_TABLE,
    ENV_LAKE_BUCKET,
    ENV_LEDGER_TABLE,
)
from vendorcast.spapi.catalog import CatalogItemsApi
from vendorcast.spapi.sessions import SpApiSessions
from vendorcast.vocabulary.catalog_fields import tracked_fields


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
    ledger: RequestLedger | None = None  # catalog_watch reads failed reports; catalog_item needs none
    # Made on first use: only catalog_item calls SP-API, and only its stack gives it the rate-limit table.
    _sessions: SpApiSessions | None = None
    _apis: dict[tuple[str, str], CatalogItemsApi] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> CatalogContext:
        ledger_table = os.environ.get(ENV_LEDGER_TABLE)
        return cls(
            config=config_from_environment(),
            store=CatalogStore(required_env(ENV_CATALOG_TABLE)),
            bucket=required_env(ENV_LAKE_BUCKET),
            lake=lake_from_environment(),
            queue_url=required_env(ENV_CATALOG_QUEUE_URL),
            dlq_url=os.environ.get(ENV_CATALOG_DLQ_URL),
            s3=boto3.client("s3"),
            sqs=boto3.client("sqs"),
            publisher=AlertPublisher(TopicPublisher(required_env(ENV_ALERT_TOPIC_ARN), boto3.client("sns"))),
            clock=get_clock(),
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
            if self._sessions is None:
                self._sessions = spapi_sessions_from_environment(self.clock)
            self._apis[key] = CatalogItemsApi(self._sessions.session(account, marketplace_id))
        return self._apis[key]
