"""What the purchase_orders function needs, built once per process from the environment the stack (or the local
runtime) sets: config, purchase-orders table, lake, dead-letter queue, alert topic, SP-API sessions, clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

from vendorcast.alerts.publisher import AlertPublisher
from vendorcast.alerts.topic import TopicPublisher
from vendorcast.clock import Clock, get_clock
from vendorcast.config import VendorcastConfig
from vendorcast.function_environment import (
    config_from_environment,
    lake_from_environment,
    required_env,
    spapi_sessions_from_environment,
)
from vendorcast.lake.storage import LakeStorage
from vendorcast.orders.store import PurchaseOrderStore
from vendorcast.resources import ENV_ALERT_TOPIC_ARN, ENV_PURCHASE_ORDERS_DLQ_URL, ENV_PURCHASE_ORDERS_TABLE
from vendorcast.spapi.sessions import SpApiSessions


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
        return cls(
            config=config_from_environment(),
            store=PurchaseOrderStore(required_env(ENV_PURCHASE_ORDERS_TABLE)),
            lake=lake_from_environment(),
            dlq_url=required_env(ENV_PURCHASE_ORDERS_DLQ_URL),
            sqs=boto3.client("sqs"),
            publisher=AlertPublisher(TopicPublisher(required_env(ENV_ALERT_TOPIC_ARN), boto3.client("sns"))),
            clock=clock,
            sessions=spapi_sessions_from_environment(clock),
        )


__all__ = ["OrdersContext"]
