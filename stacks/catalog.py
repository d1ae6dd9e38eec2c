"""The catalog watch: catalog_watch on its schedule fans the watched ASINs out through the catalog-items queue to
catalog_item, which keeps each item's snapshot in the catalog table, writes changes to the lake's raw zone and sends
the digests to the alert topic. When the config names SP-API's partner event source, a rule on its partner event bus
forwards BRANDED_ITEM_CONTENT_CHANGE and ITEM_PRODUCT_TYPE_CHANGE to the same queue."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.alerts import AlertsStack
from stacks.credentials import SpApiCredentials
from stacks.encryption import data_key
from stacks.grants import (
    grant_list_lake,
    grant_publish_catalog_alerts,
    grant_read_deployment_config,
    grant_read_lake_zones,
    grant_read_report_requests,
    grant_read_spapi_credentials,
    grant_send_to_queue,
    grant_share_spapi_rate_limits,
    grant_update_catalog,
    grant_write_lake_zones,
)
from stacks.ingestion import SCHEDULED_RUN_RETRIES, IngestionStack
from stacks.lake_storage import LakeStorageStack, lake_bucket_name
from stacks.lambda_function import QueueFeed, VendorcastFunction
from stacks.packaging import LambdaDependencies
from stacks.queues import dead_letter_queue
from stacks.report_events import VISIBILITY_TIMEOUT_FACTOR
from vendorcast.config import VendorcastConfig
from vendorcast.resources import (
    CATALOG_ITEM_BATCH_SIZE,
    CATALOG_ITEM_MAX_CONCURRENCY,
    CATALOG_ITEMS_MAX_RECEIVE_COUNT,
    CATALOG_NOTIFICATION_TYPES,
    CATALOG_PARTITION_KEY,
    CATALOG_SORT_KEY,
    CATALOG_TTL_ATTRIBUTE,
    CURATED_PREFIX,
    ENV_ALERT_TOPIC_ARN,
    ENV_CATALOG_DLQ_URL,
    ENV_CATALOG_QUEUE_URL,
    ENV_CATALOG_TABLE,
    ENV_CONFIG_PARAMETER,
    ENV_LAKE_BUCKET,
    ENV_LEDGER_TABLE,
    ENV_RATE_LIMIT_TABLE,
    RAW_PREFIX,
    SPAPI_PARTNER_SOURCE_PREFIX,
)

CATALOG_WATCH_TIMEOUT = Duration.minutes(5)
# A chunk of ten ASINs at getCatalogItem's two requests a second takes seconds; the rest is room for SP-API's
# backoff on 429s and 5xx (vendorcast.spapi.client.RetryPolicy).
CATALOG_ITEM_TIMEOUT = Duration.minutes(5)
# What the data conditions read: the weekly demand table, nothing else of the curated zone.
DEMAND_TABLE_ZONE = f"{CURATED_PREFIX}/demand_weekly"
# What catalog_item writes: its two raw tables (vendorcast.catalog.records).
CATALOG_RAW_ZONES = (f"{RAW_PREFIX}/catalog_items", f"{RAW_PREFIX}/catalog_changes")


class CatalogTable(Construct):
    """Snapshots, alert batches and data-condition markers (vendorcast.catalog.store), as vendorcast/local/aws.py
    creates it. Snapshots are the memory of what each page showed: kept when the stack goes."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        self.table = dynamodb.Table(
            self, "Table",
            partition_key=dynamodb.Attribute(name=CATALOG_PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=CATALOG_SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            time_to_live_attribute=CATALOG_TTL_ATTRIBUTE,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )


class CatalogItemsQueue(Construct):
    """The queue catalog_item consumes (watch chunks and forwarded notifications) and its dead-letter queue."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, consumer_timeout: Duration) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = dead_letter_queue(self, "DeadLetters", key=key)
        self.queue = sqs.Queue(
            self, "Queue",
            encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, data_key_reuse=Duration.hours(1),
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(consumer_timeout.to_seconds() * VISIBILITY_TIMEOUT_FACTOR),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letters,
                                                  max_receive_count=CATALOG_ITEMS_MAX_RECEIVE_COUNT),
        )


class CatalogStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: VendorcastConfig, lake: LakeStorageStack,
                 alerts: AlertsStack, ingestion: IngestionStack, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.add_stack_dependency(lake)
        self.key = data_key(self, "CatalogKey", "vendorcast catalog watch: catalog-items queues, catalog table, "
                                                "function logs and dead letters")
        self.catalog = CatalogTable(self, "Catalog", key=self.key)
        self.items = CatalogItemsQueue(self, "CatalogItems", key=self.key, consumer_timeout=CATALOG_ITEM_TIMEOUT)
        # Its own layer: one shared across stacks would pin its version through a cross-stack export.
        dependencies = LambdaDependencies(self, "Dependencies")
        credentials = SpApiCredentials(self, "SpApiCredentials", accounts=config.accounts)
        deployment_config = ingestion.deployment_config

        environment = {
            ENV_CONFIG_PARAMETER: deployment_config.parameter.parameter_name,
            ENV_CATALOG_TABLE: self.catalog.table.table_name,
            ENV_CATALOG_QUEUE_URL: self.items.queue.queue_url,
            ENV_LAKE_BUCKET: lake_bucket_name(lake.prefix),
            ENV_ALERT_TOPIC_ARN: alerts.alert_topic.topic_arn,
        }
        self.catalog_watch = VendorcastFunction(
            self, "CatalogWatch", name="catalog_watch",
            description="vendorcast: list the ASINs to watch, find data conditions, fan the ASINs out",
            layer=dependencies.layer,
            environment={**environment, ENV_LEDGER_TABLE: ingestion.tables.ledger.table_name},
            timeout=CATALOG_WATCH_TIMEOUT, memory_size=1024, key=self.key,
            # One run at a time: two would open two batches for the same items.
            reserved_concurrent_executions=1,
        )
        self.catalog_item = VendorcastFunction(
            self, "CatalogItem", name="catalog_item",
            description="vendorcast: compare catalog items with their snapshots and alert on changes",
            layer=dependencies.layer,
            environment={**environment, ENV_RATE_LIMIT_TABLE: ingestion.tables.rate_limits.table_name,
                         ENV_CATALOG_DLQ_URL: self.items.dead_letters.queue_url},
            timeout=CATALOG_ITEM_TIMEOUT, memory_size=512, key=self.key,
            queue_feed=QueueFeed(self.items.queue, batch_size=CATALOG_ITEM_BATCH_SIZE,
                                 max_concurrency=CATALOG_ITEM_MAX_CONCURRENCY),
        )
        self.functions = (self.catalog_watch, self.catalog_item)

        expression = config.schedules.catalog_watch
        events.Rule(self, "CatalogWatchSchedule", schedule=events.Schedule.expression(expression),
                    description=f"vendorcast: start catalog_watch on {expression}",
                    targets=[targets.LambdaFunction(self.catalog_watch.function,
                                                    retry_attempts=SCHEDULED_RUN_RETRIES)])
        self.notifications = (self._forward_catalog_notifications(config.alerts.catalog.partner_event_source)
                              if config.alerts.catalog.partner_event_source else None)

        for function in self.functions:
            grant_read_deployment_config(function.function, deployment_config.parameter)
            grant_update_catalog(function.function, self.catalog.table, self.key)
            grant_publish_catalog_alerts(function.function, alerts.alert_topic, alerts.key)
        grant_read_report_requests(self.catalog_watch.function, ingestion.tables)
        grant_list_lake(self.catalog_watch.function, lake.prefix)
        grant_read_lake_zones(self.catalog_watch.function, lake.prefix, lake.key, [DEMAND_TABLE_ZONE])
        grant_send_to_queue(self.catalog_watch.function, self.items.queue, self.key)
        grant_read_spapi_credentials(self.catalog_item.function, credentials.secrets.values())
        grant_share_spapi_rate_limits(self.catalog_item.function, ingestion.tables)
        grant_write_lake_zones(self.catalog_item.function, lake.prefix, lake.key, CATALOG_RAW_ZONES)
        grant_send_to_queue(self.catalog_item.function, self.items.dead_letters, self.key)

        CfnOutput(self, "CatalogWatchFunctionName", value=self.catalog_watch.function.function_name,
                  description="Invoke it to watch the catalog now")
        CfnOutput(self, "CatalogTableName", value=self.catalog.table.table_name,
                  description="DynamoDB table of catalog snapshots and alert batches")

    def _forward_catalog_notifications(self, source: str) -> events.Rule:
        """The partner event bus of SP-API's event source (it must exist: the account's EventBridge destination
        creates it) and a rule that forwards the catalog notifications to the catalog-items queue."""
        bus = events.EventBus(self, "SpApiPartnerBus", event_source_name=source)
        # The SQS target also lets EventBridge use the queues' key, for this account's rules.
        rule = events.Rule(
            self, "CatalogNotifications", event_bus=bus,
            description="vendorcast: forward SP-API's catalog notifications to the catalog-items queue",
            event_pattern=events.EventPattern(source=events.Match.prefix(SPAPI_PARTNER_SOURCE_PREFIX),
                                              detail_type=list(CATALOG_NOTIFICATION_TYPES)),
            targets=[targets.SqsQueue(self.items.queue, dead_letter_queue=self.items.dead_letters,
                                      retry_attempts=SCHEDULED_RUN_RETRIES)],
        )
        return rule
