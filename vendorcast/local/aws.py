"""The AWS emulator of the embedded runtime: a moto server on 127.0.0.1 holding the same buckets, tables,
queues, topics, secrets and parameters the stacks create, named from vendorcast.resources."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
from moto import backends as moto_backends
from moto.server import ThreadedMotoServer

from vendorcast import resources as r
from vendorcast.config import VendorcastConfig

REGION = "us-east-1"
# Who gets the local e-mails (the outbox) when the config names no recipient.
LOCAL_RECIPIENT = "vendor@example.com"
# Local queues hand a failed message back after this many seconds (AWS: six times the function timeout).
LOCAL_VISIBILITY_TIMEOUT = 2


def _route_without_listing() -> None:
    """moto's server routes each request by checking its host against the names of moto's service folders, which
    it lists from disk every time (moto.backends.list_of_moto_modules, a generator); about a tenth of the
    emulator's time here. The folders do not change while it runs: list them once."""
    if getattr(moto_backends.list_of_moto_modules, "vendorcast_listed", False):
        return
    modules = tuple(moto_backends.list_of_moto_modules())

    def listed() -> tuple[str, ...]:
        return modules

    listed.vendorcast_listed = True  # type: ignore[attr-defined]
    moto_backends.list_of_moto_modules = listed


@dataclass
class LocalAws:
    """A running moto server and the resources vendorcast needs in it."""

    server: ThreadedMotoServer
    endpoint_url: str
    queue_url: str = ""
    dlq_url: str = ""
    topic_arn: str = ""  # the ops topic
    alert_topic_arn: str = ""
    catalog_queue_url: str = ""
    catalog_dlq_url: str = ""
    purchase_orders_dlq_url: str = ""
    partner_event_bus: str = ""
    # One client per service: creating a boto3 client takes tens of milliseconds, and clients are thread-safe.
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _clients_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def start(cls) -> LocalAws:
        _route_without_listing()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        port = server._server.server_port  # moto exposes no public accessor for a port-0 server
        endpoint = f"http://127.0.0.1:{port}"
        # moto keeps its state per process, not per server: start from an empty account every time.
        httpx.post(f"{endpoint}/moto-api/reset", timeout=30.0).raise_for_status()
        return cls(server, endpoint)

    def stop(self) -> None:
        self.server.stop()

    def environment(self) -> dict[str, str]:
        """What makes boto3 (and Powertools) in this process talk to the emulator."""
        port = self.endpoint_url.rsplit(":", 1)[1]
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            # moto's Step Functions interpreter calls back into the server on this port.
            "MOTO_PORT": port,
        }

    def client(self, service: str) -> Any:
        """The emulator's client for `service`, shared (boto3 clients are thread-safe; resources are not)."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION,
                                                      aws_access_key_id="testing", aws_secret_access_key="testing")
            return self._clients[service]

    def resource(self, service: str) -> Any:
        return boto3.resource(service, endpoint_url=self.endpoint_url, region_name=REGION,
                              aws_access_key_id="testing", aws_secret_access_key="testing")

    def create_resources(self, config: VendorcastConfig, credentials: dict[str, dict[str, str]]) -> None:
        """Create what the stacks create; `credentials` maps each account's secret name to its value."""
        s3 = self.client("s3")
        s3.create_bucket(Bucket=r.LAKE_BUCKET)

        dynamodb = self.client("dynamodb")
        dynamodb.create_table(
            TableName=r.LEDGER_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"}
                for name in (r.LEDGER_PARTITION_KEY, r.LEDGER_STREAM_KEY, r.LEDGER_REPORT_KEY,
                             r.LEDGER_STATUS_KEY, r.LEDGER_STATUS_SORT_KEY)
            ],
            KeySchema=[{"AttributeName": r.LEDGER_PARTITION_KEY, "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[
                _index(r.LEDGER_STREAM_INDEX, r.LEDGER_STREAM_KEY, r.LEDGER_PARTITION_KEY),
                _index(r.LEDGER_REPORT_INDEX, r.LEDGER_REPORT_KEY),
                _index(r.LEDGER_STATUS_INDEX, r.LEDGER_STATUS_KEY, r.LEDGER_STATUS_SORT_KEY),
            ],
        )
        dynamodb.create_table(
            TableName=r.IDEMPOTENCY_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )

        dynamodb.create_table(
            TableName=r.RATE_LIMIT_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": r.RATE_LIMIT_KEY, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": r.RATE_LIMIT_KEY, "KeyType": "HASH"}],
        )

        sqs = self.client("sqs")
        self.dlq_url = sqs.create_queue(QueueName=r.REPORT_EVENTS_DLQ)["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.queue_url = sqs.create_queue(
            QueueName=r.REPORT_EVENTS_QUEUE,
            Attributes={
                "VisibilityTimeout": str(LOCAL_VISIBILITY_TIMEOUT),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                             "maxReceiveCount": str(r.REPORT_EVENTS_MAX_RECEIVE_COUNT)}),
            },
        )["QueueUrl"]

        self.topic_arn = self.client("sns").create_topic(Name=r.OPS_TOPIC)["TopicArn"]
        self._create_catalog_resources(config)
        self._create_purchase_orders_resources()

        secrets = self.client("secretsmanager")
        for name, value in credentials.items():
            secrets.create_secret(Name=name, SecretString=json.dumps(value))

        self.client("ssm").put_parameter(Name=r.CONFIG_PARAMETER, Value=config.model_dump_json(),
                                         Type="String", Overwrite=True)

    def _create_catalog_resources(self, config: VendorcastConfig) -> None:
        """The catalog stack's: snapshot table, catalog-items queue and its DLQ, alert topic, and the partner event
        bus with the rule that forwards SP-API's catalog notifications to the queue. Both topics get the config's
        recipients (else LOCAL_RECIPIENT), as e-mail subscriptions."""
        dynamodb = self.client("dynamodb")
        dynamodb.create_table(
            TableName=r.CATALOG_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"}
                                  for name in (r.CATALOG_PARTITION_KEY, r.CATALOG_SORT_KEY)],
            KeySchema=[{"AttributeName": r.CATALOG_PARTITION_KEY, "KeyType": "HASH"},
                       {"AttributeName": r.CATALOG_SORT_KEY, "KeyType": "RANGE"}],
        )
        dynamodb.update_time_to_live(TableName=r.CATALOG_TABLE, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": r.CATALOG_TTL_ATTRIBUTE})

        sqs = self.client("sqs")
        self.catalog_dlq_url = sqs.create_queue(QueueName=r.CATALOG_DLQ)["QueueUrl"]
        self.catalog_queue_url = sqs.create_queue(
            QueueName=r.CATALOG_QUEUE,
            Attributes={
                "VisibilityTimeout": str(LOCAL_VISIBILITY_TIMEOUT),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": self.queue_arn(self.catalog_dlq_url),
                                             "maxReceiveCount": str(r.CATALOG_ITEMS_MAX_RECEIVE_COUNT)}),
            },
        )["QueueUrl"]

        sns = self.client("sns")
        self.alert_topic_arn = sns.create_topic(Name=r.ALERT_TOPIC)["TopicArn"]
        for email in config.alerts.emails or [LOCAL_RECIPIENT]:
            for topic in (self.alert_topic_arn, self.topic_arn):
                sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=email)

        events = self.client("events")
        events.create_event_bus(Name=r.LOCAL_PARTNER_EVENT_BUS)
        self.partner_event_bus = r.LOCAL_PARTNER_EVENT_BUS
        events.put_rule(Name=f"{r.LOCAL_PREFIX}-catalog-notifications", EventBusName=r.LOCAL_PARTNER_EVENT_BUS,
                        EventPattern=json.dumps(catalog_notification_pattern()))
        events.put_targets(Rule=f"{r.LOCAL_PREFIX}-catalog-notifications", EventBusName=r.LOCAL_PARTNER_EVENT_BUS,
                           Targets=[{"Id": "catalog-items", "Arn": self.queue_arn(self.catalog_queue_url)}])

    def _create_purchase_orders_resources(self) -> None:
        """The purchase orders pull's: its table (watermarks, POs, markers; both indexes and the TTL) and the
        dead-letter queue of the POs that fail Amazon's model."""
        dynamodb = self.client("dynamodb")
        dynamodb.create_table(
            TableName=r.PURCHASE_ORDERS_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"}
                                  for name in (r.PURCHASE_ORDERS_PARTITION_KEY, r.PURCHASE_ORDERS_SORT_KEY,
                                               r.PURCHASE_ORDERS_OPEN_KEY, r.PURCHASE_ORDERS_WEEK_KEY)],
            KeySchema=[{"AttributeName": r.PURCHASE_ORDERS_PARTITION_KEY, "KeyType": "HASH"},
                       {"AttributeName": r.PURCHASE_ORDERS_SORT_KEY, "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                _index(r.PURCHASE_ORDERS_OPEN_INDEX, r.PURCHASE_ORDERS_OPEN_KEY, r.PURCHASE_ORDERS_SORT_KEY),
                _index(r.PURCHASE_ORDERS_WEEK_INDEX, r.PURCHASE_ORDERS_WEEK_KEY, r.PURCHASE_ORDERS_SORT_KEY),
            ],
        )
        dynamodb.update_time_to_live(TableName=r.PURCHASE_ORDERS_TABLE, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": r.PURCHASE_ORDERS_TTL_ATTRIBUTE})
        self.purchase_orders_dlq_url = self.client("sqs").create_queue(QueueName=r.PURCHASE_ORDERS_DLQ)["QueueUrl"]

    def queue_arn(self, queue_url: str) -> str:
        return self.client("sqs").get_queue_attributes(QueueUrl=queue_url,
                                                       AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def function_environment(self) -> dict[str, str]:
        """The variables the stacks set on the ingestion, catalog and purchase orders functions."""
        return {
            r.ENV_CONFIG_PARAMETER: r.CONFIG_PARAMETER,
            r.ENV_LEDGER_TABLE: r.LEDGER_TABLE,
            r.ENV_IDEMPOTENCY_TABLE: r.IDEMPOTENCY_TABLE,
            r.ENV_RATE_LIMIT_TABLE: r.RATE_LIMIT_TABLE,
            r.ENV_LAKE_BUCKET: r.LAKE_BUCKET,
            r.ENV_REPORT_EVENTS_QUEUE_URL: self.queue_url,
            r.ENV_REPORT_EVENTS_DLQ_URL: self.dlq_url,
            r.ENV_OPS_TOPIC_ARN: self.topic_arn,
            r.ENV_ALERT_TOPIC_ARN: self.alert_topic_arn,
            r.ENV_CATALOG_TABLE: r.CATALOG_TABLE,
            r.ENV_CATALOG_QUEUE_URL: self.catalog_queue_url,
            r.ENV_CATALOG_DLQ_URL: self.catalog_dlq_url,
            r.ENV_PURCHASE_ORDERS_TABLE: r.PURCHASE_ORDERS_TABLE,
            r.ENV_PURCHASE_ORDERS_DLQ_URL: self.purchase_orders_dlq_url,
            r.ENV_POWERTOOLS_SERVICE_NAME: r.SERVICE_NAME,
        }

    @staticmethod
    def forecast_function_environment() -> dict[str, str]:
        """The variables the stacks set on the forecast workflow's functions."""
        return {
            r.ENV_LAKE_BUCKET: r.LAKE_BUCKET,
            r.ENV_GLUE_DATABASE: r.GLUE_DATABASE,
            r.ENV_POWERTOOLS_SERVICE_NAME: r.SERVICE_NAME,
        }


def catalog_notification_pattern() -> dict[str, Any]:
    """The EventBridge rule's pattern: SP-API's catalog notifications, from its partner event source."""
    return {"source": [{"prefix": r.SPAPI_PARTNER_SOURCE_PREFIX}], "detail-type": list(r.CATALOG_NOTIFICATION_TYPES)}


def _index(name: str, hash_key: str, range_key: str | None = None) -> dict[str, Any]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": schema, "Projection": {"ProjectionType": "ALL"}}


def apply_environment(values: dict[str, str]) -> dict[str, str | None]:
    """Set environment variables, returning the previous values for `restore_environment`."""
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    return previous


def restore_environment(previous: dict[str, str | None]) -> None:
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
