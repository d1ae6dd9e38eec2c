"""Ingestion: the schedules, the request_reports / poll_reports / process_reports functions, the report-events
queue they share with SP-API, the request ledger and SP-API rate-limit tables, the credentials and the
deployment config they read; and the purchase orders pull (stacks/purchase_orders.py), which shares them."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from stacks.alerts import AlertsStack
from stacks.config_parameter import DeploymentConfigParameter
from stacks.credentials import SpApiCredentials
from stacks.encryption import data_key
from stacks.grants import (
    grant_create_report_requests,
    grant_publish_operator_alerts,
    grant_read_deployment_config,
    grant_read_report_requests,
    grant_read_spapi_credentials,
    grant_record_idempotency,
    grant_send_to_queue,
    grant_share_spapi_rate_limits,
    grant_update_report_requests,
    grant_write_lake_zones,
)
from stacks.lake_storage import LakeStorageStack, lake_bucket_name
from stacks.lambda_function import QueueFeed, VendorcastFunction
from stacks.ledger import IngestionTables
from stacks.packaging import LambdaDependencies
from stacks.purchase_orders import PurchaseOrdersPull
from stacks.report_events import ReportEventsQueue
from vendorcast.config import VendorcastConfig
from vendorcast.resources import (
    ENV_CONFIG_PARAMETER,
    ENV_IDEMPOTENCY_TABLE,
    ENV_LAKE_BUCKET,
    ENV_LEDGER_TABLE,
    ENV_OPS_TOPIC_ARN,
    ENV_RATE_LIMIT_TABLE,
    ENV_REPORT_EVENTS_DLQ_URL,
    ENV_REPORT_EVENTS_QUEUE_URL,
    LANDING_PREFIX,
    RAW_PREFIX,
    notification_sender_accounts,
)

# request_reports stops creating reports two minutes before its timeout; the next run carries on.
REQUEST_REPORTS_TIMEOUT = Duration.minutes(15)
POLL_REPORTS_TIMEOUT = Duration.minutes(5)
# Room for a batch of large documents, each downloaded, parsed and written to the lake twice.
PROCESS_REPORTS_TIMEOUT = Duration.minutes(10)
PROCESS_REPORTS_BATCH_SIZE = 5
PROCESS_REPORTS_BATCHING_WINDOW = Duration.seconds(30)
# getReportDocument is limited to one call a minute (burst 15) per account: two consumers are plenty.
PROCESS_REPORTS_MAX_CONCURRENCY = 2
# Scheduled runs that fail are retried by Lambda this many times; the next scheduled run also catches up.
SCHEDULED_RUN_RETRIES = 2


class IngestionStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: VendorcastConfig, lake: LakeStorageStack,
                 alerts: AlertsStack, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # The lake bucket is named, not referenced (see lake_bucket_name): deploy after its stack.
        self.add_stack_dependency(lake)
        self.key = data_key(self, "IngestionKey", "vendorcast ingestion: report-events queues, DynamoDB tables, "
                                                  "function logs and dead letters")
        self.report_events = ReportEventsQueue(
            self, "ReportEvents", key=self.key, consumer_timeout=PROCESS_REPORTS_TIMEOUT,
            sender_accounts=notification_sender_accounts(account.region.value for account in config.accounts))
        self.tables = IngestionTables(self, "Tables", key=self.key)
        credentials = SpApiCredentials(self, "SpApiCredentials", accounts=config.accounts)
        self.deployment_config = deployment_config = DeploymentConfigParameter(self, "DeploymentConfig", config=config)
        dependencies = LambdaDependencies(self, "Dependencies")

        environment = {
            ENV_CONFIG_PARAMETER: deployment_config.parameter.parameter_name,
            ENV_LEDGER_TABLE: self.tables.ledger.table_name,
            ENV_RATE_LIMIT_TABLE: self.tables.rate_limits.table_name,
            ENV_LAKE_BUCKET: lake_bucket_name(lake.prefix),
            ENV_REPORT_EVENTS_QUEUE_URL: self.report_events.queue.queue_url,
            ENV_OPS_TOPIC_ARN: alerts.ops_topic.topic_arn,
        }
        self.request_reports = VendorcastFunction(
            self, "RequestReports", name="request_reports",
            description="vendorcast: plan due report windows and create them with SP-API",
            layer=dependencies.layer, environment=environment,
            timeout=REQUEST_REPORTS_TIMEOUT, memory_size=512, key=self.key,
            # Runs never overlap: two planners at once would only fight over the same windows and quota.
            reserved_concurrent_executions=1,
        )
        self.poll_reports = VendorcastFunction(
            self, "PollReports", name="poll_reports",
            description="vendorcast: check overdue reports and queue the finished ones",
            layer=dependencies.layer, environment=environment,
            timeout=POLL_REPORTS_TIMEOUT, memory_size=512, key=self.key,
            # One poll at a time: a second, started while a slow one runs, would ask getReport about the same
            # reports and only wait on the same token bucket.
            reserved_concurrent_executions=1,
        )
        self.process_reports = VendorcastFunction(
            self, "ProcessReports", name="process_reports",
            description="vendorcast: land finished report documents in the lake",
            layer=dependencies.layer,
            environment={**environment,
                         ENV_IDEMPOTENCY_TABLE: self.tables.idempotency.table_name,
                         ENV_REPORT_EVENTS_DLQ_URL: self.report_events.dead_letters.queue_url},
            timeout=PROCESS_REPORTS_TIMEOUT, memory_size=3008, key=self.key,
            queue_feed=QueueFeed(self.report_events.queue, batch_size=PROCESS_REPORTS_BATCH_SIZE,
                                 max_concurrency=PROCESS_REPORTS_MAX_CONCURRENCY,
                                 batching_window=PROCESS_REPORTS_BATCHING_WINDOW),
        )
        report_functions = (self.request_reports, self.poll_reports, self.process_reports)

        for function, expression, label in (
            (self.request_reports, config.schedules.request_reports, "RequestReports"),
            (self.poll_reports, config.schedules.poll_reports, "PollReports"),
        ):
            events.Rule(self, f"{label}Schedule", schedule=events.Schedule.expression(expression),
                        description=f"vendorcast: start {function.node.id} on {expression}",
                        targets=[targets.LambdaFunction(function.function, retry_attempts=SCHEDULED_RUN_RETRIES)])

        for function in report_functions:
            grant_read_deployment_config(function.function, deployment_config.parameter)
            grant_read_spapi_credentials(function.function, credentials.secrets.values())
            grant_share_spapi_rate_limits(function.function, self.tables)
            grant_read_report_requests(function.function, self.tables)
            grant_update_report_requests(function.function, self.tables)
        grant_create_report_requests(self.request_reports.function, self.tables)
        grant_publish_operator_alerts(self.request_reports.function, alerts.ops_topic, alerts.key)
        grant_send_to_queue(self.poll_reports.function, self.report_events.queue, self.key)
        grant_record_idempotency(self.process_reports.function, self.tables)
        grant_write_lake_zones(self.process_reports.function, lake.prefix, lake.key, [LANDING_PREFIX, RAW_PREFIX])
        grant_send_to_queue(self.process_reports.function, self.report_events.dead_letters, self.key)
        grant_publish_operator_alerts(self.process_reports.function, alerts.ops_topic, alerts.key)

        self.purchase_orders = PurchaseOrdersPull(
            self, "PurchaseOrdersPull", config=config, key=self.key, tables=self.tables,
            deployment_config=deployment_config.parameter, credentials=credentials, layer=dependencies.layer,
            lake=lake, alerts=alerts, run_retries=SCHEDULED_RUN_RETRIES)
        # Every function of the stack, for the monitoring stack's alarms and dashboard.
        self.functions = (*report_functions, self.purchase_orders.function)

        CfnOutput(self, "ReportEventsQueueArn", value=self.report_events.queue.queue_arn,
                  description="SQS queue to register as the SP-API notification destination")
        CfnOutput(self, "RequestReportsFunctionName", value=self.request_reports.function.function_name,
                  description="Invoke it to start a run now (e.g. after changing the config)")
        CfnOutput(self, "LedgerTableName", value=self.tables.ledger.table_name,
                  description="DynamoDB table of report requests (what was requested and landed)")
        CfnOutput(self, "PurchaseOrdersFunctionName", value=self.purchase_orders.function.function.function_name,
                  description='Invoke it to pull purchase orders now: {"account": "<name>"}, or {} for every account')
        CfnOutput(self, "PurchaseOrdersDeadLettersUrl", value=self.purchase_orders.document_dead_letters.queue_url,
                  description="SQS queue of the purchase orders that failed Amazon's model, each with its reason")
