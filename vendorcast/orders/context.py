"""What the purchase_orders function needs, built once per process from the environment the stack (or the local
runtime) sets: config, purchase-orders table, lake, dead-letter queue, alert topic, SP-API sessions, clock."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import boto3

from vendorcast.alerts.publisher import AlertPublisher
from vendorcast.clock import Clock, get_clock
from vendorcast.config import ConfigError, VendorcastConfig
from vendorcast.ingestion.context import config_from_environment
from vendorcast.lake.storage import LakeStorage
from vendorcast.orders.store import PurchaseOrderStore
from vendorcast.resources import (
    ENV_ALERT_TOPIC_ARN,
    ENV_LAKE_BUCKET,
    ENV_PURCHASE_ORDERS_DLQ_URL,
    ENV_PURCHASE_ORDERS_TABLE,
    ENV_RATE_LIMIT_TABLE,
)
from vendorcast.spapi.client import SpApiEndpoints
from vendorcast.spapi.sessions import SpApiSessions


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} is not set; the stack sets it on the purchase_orders function")
    return value


@dataclass
class OrdersContext:
    config: VendorcastConfig
    store: PurchaseOrderStore
    lake: LakeStorage
    dlq_url: str
    sqs: Any
    publisher: AlertPublisher
    clock: Clock
    sessions: SpApiSessions

    @classmethod
    def from_environment(cls) -> OrdersContext:
        clock = get_clock()
        # Locally AWS_ENDPOINT_URL points boto3 at the emulator; pyarrow's S3 needs to be told.
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
        rate_limits = os.environ.get(ENV_RATE_LIMIT_TABLE)
        return cls(
            config=config_from_environment(),
            store=PurchaseOrderStore(_required_env(ENV_PURCHASE_ORDERS_TABLE)),
            lake=LakeStorage.s3(_required_env(ENV_LAKE_BUCKET), region=os.environ.get("AWS_REGION"),
                                endpoint_url=endpoint),
            dlq_url=_required_env(ENV_PURCHASE_ORDERS_DLQ_URL),
            sqs=boto3.client("sqs"),
            publisher=AlertPublisher(_required_env(ENV_ALERT_TOPIC_ARN), boto3.client("sns")),
            clock=clock,
            sessions=SpApiSessions(clock, SpApiEndpoints.from_environment(),
                                   boto3.resource("dynamodb").Table(rate_limits) if rate_limits else None),
        )


__all__ = ["OrdersContext"]
