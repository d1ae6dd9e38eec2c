"""The purchase orders pull: the purchase_orders function, started on each account's own schedule, the table of its
watermarks, POs and alert markers (as vendorcast/local/aws.py creates it), and the dead-letter queue of the POs that
fail Amazon's model."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks.alerts import AlertsStack
from stacks.credentials import SpApiCredentials
from stacks.grants import (
    grant_publish_purchase_order_alerts,
    grant_read_deployment_config,
    grant_read_spapi_credentials,
    grant_send_to_queue,
    grant_share_spapi_rate_limits,
    grant_update_purchase_orders,
    grant_write_lake_zones,
)
from stacks.lake_storage import LakeStorageStack, lake_bucket_name
from stacks.lambda_function import VendorcastFunction
from stacks.ledger import IngestionTables, encrypted_table, string_attribute
from stacks.nag import acknowledge
from stacks.queues import dead_letter_queue
from vendorcast.config import VendorcastConfig
from vendorcast.resources import (
    ENV_ALERT_TOPIC_ARN,
    ENV_CONFIG_PARAMETER,
    ENV_LAKE_BUCKET,
    ENV_PURCHASE_ORDERS_DLQ_URL,
    ENV_PURCHASE_ORDERS_TABLE,
    ENV_RATE_LIMIT_TABLE,
    LANDING_PREFIX,
    PURCHASE_ORDERS_EVENT_ACCOUNT,
    PURCHASE_ORDERS_FUNCTION,
    PURCHASE_ORDERS_OPEN_INDEX,
    PURCHASE_ORDERS_OPEN_KEY,
    PURCHASE_ORDERS_PARTITION_KEY,
    PURCHASE_ORDERS_SORT_KEY,
    PURCHASE_ORDERS_TTL_ATTRIBUTE,
    PURCHASE_ORDERS_WEEK_INDEX,
    PURCHASE_ORDERS_WEEK_KEY,
    RAW_PREFIX,
)

# The function stops reading windows before its timeout; the next scheduled run carries on from the watermark.
PURCHASE_ORDERS_TIMEOUT = Duration.minutes(15)
PURCHASE_ORDERS_MEMORY_MB = 512
# What the pull writes in the lake: each page as Amazon served it, and the raw tables of POs, their lines and their
# status (vendorcast.lake.tables.RAW_INPUTS).
PURCHASE_ORDERS_LAKE_ZONES = (f"{LANDING_PREFIX}/purchase_orders", f"{RAW_PREFIX}/purchase_orders",
                              f"{RAW_PREFIX}/purchase_order_items", f"{RAW_PREFIX}/purchase_order_status")
# index name -> (partition key, sort key); the open index is sparse: only open POs carry its key.
PURCHASE_ORDERS_INDEXES: dict[str, tuple[str, str]] = {
    PURCHASE_ORDERS_OPEN_INDEX: (PURCHASE_ORDERS_OPEN_KEY, PURCHASE_ORDERS_SORT_KEY),
    PURCHASE_ORDERS_WEEK_INDEX: (PURCHASE_ORDERS_WEEK_KEY, PURCHASE_ORDERS_SORT_KEY),
}


class PurchaseOrdersTable(Construct):
    """Watermarks per account and marketplace, one item per PO (its latest state), alert and dead-letter markers.
    The watermarks and markers are what makes a re-run change nothing and each alert go out once: kept when the
    stack goes."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.table = encrypted_table(
            self, "Table", key,
            partition_key=string_attribute(PURCHASE_ORDERS_PARTITION_KEY),
            sort_key=string_attribute(PURCHASE_ORDERS_SORT_KEY),
            time_to_live_attribute=PURCHASE_ORDERS_TTL_ATTRIBUTE,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index, (partition, sort) in PURCHASE_ORDERS_INDEXES.items():
            self.table.add_global_secondary_index(index_name=index, partition_key=string_attribute(partition),
                                                  sort_key=string_attribute(sort),
                                                  projection_type=dynamodb.ProjectionType.ALL)


class PurchaseOrdersPull(Construct):
    """The purchase_orders function with its table, dead-letter queue, schedules and grants."""

    def __init__(self, scope: Construct, construct_id: str, *, config: VendorcastConfig, key: kms.IKey,
                 tables: IngestionTables, deployment_config: ssm.IStringParameter, credentials: SpApiCredentials,
                 layer: lambda_.ILayerVersion, lake: LakeStorageStack, alerts: AlertsStack,
                 run_retries: int) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        self.orders = PurchaseOrdersTable(self, "Orders", key=key)
        # The POs that fail Amazon's model (the function's own failed runs go to its function dead-letter queue).
        self.document_dead_letters = dead_letter_queue(self, "DeadLetters", key=key)
        acknowledge(self.document_dead_letters, "AwsSolutions-SQS3",
                    "This queue is itself a dead-letter queue: purchase_orders sends it each PO that fails Amazon's "
                    "model, with the reason, for a person to read; nothing consumes it, so it needs no queue of its "
                    "own behind it.")
        self.function = VendorcastFunction(
            self, "PurchaseOrders", name=PURCHASE_ORDERS_FUNCTION,
            description="vendorcast: pull Amazon's purchase orders and their status into the lake",
            layer=layer,
            environment={
                ENV_CONFIG_PARAMETER: deployment_config.parameter_name,
                ENV_LAKE_BUCKET: lake_bucket_name(lake.prefix),
                ENV_PURCHASE_ORDERS_TABLE: self.orders.table.table_name,
                ENV_PURCHASE_ORDERS_DLQ_URL: self.document_dead_letters.queue_url,
                ENV_RATE_LIMIT_TABLE: tables.rate_limits.table_name,
                ENV_ALERT_TOPIC_ARN: alerts.alert_topic.topic_arn,
            },
            timeout=PURCHASE_ORDERS_TIMEOUT, memory_size=PURCHASE_ORDERS_MEMORY_MB,
            # One run at a time: two would read the same windows twice and race on the watermark.
            key=key,
            reserved_concurrent_executions=1,
        )

        enabled = [account for account in config.accounts if account.pulls_purchase_orders]
        self.schedules: dict[str, events.Rule] = {}
        for account in enabled:
            expression = account.purchase_orders.schedule
            self.schedules[account.name] = events.Rule(
                self, f"Schedule-{account.name}", schedule=events.Schedule.expression(expression),
                description=f"vendorcast: pull the purchase orders of {account.name} on {expression}",
                targets=[targets.LambdaFunction(
                    self.function.function, retry_attempts=run_retries,
                    event=events.RuleTargetInput.from_object({PURCHASE_ORDERS_EVENT_ACCOUNT: account.name}))],
            )

        function = self.function.function
        grant_read_deployment_config(function, deployment_config)
        if enabled:
            # Only the accounts it pulls: a disabled account's credentials stay out of reach.
            grant_read_spapi_credentials(function, [credentials.secrets[name]
                                                    for name in dict.fromkeys(a.secret_name for a in enabled)])
        grant_share_spapi_rate_limits(function, tables)
        grant_update_purchase_orders(function, self.orders.table, PURCHASE_ORDERS_INDEXES, key)
        grant_write_lake_zones(function, lake.prefix, lake.key, PURCHASE_ORDERS_LAKE_ZONES)
        grant_publish_purchase_order_alerts(function, alerts.alert_topic, alerts.key)
        grant_send_to_queue(function, self.document_dead_letters, key)
