"""The names that tie infrastructure to code: environment variable keys, resource names, lake prefixes.

`stacks/` sets these environment variables on the functions it creates; `vendorcast/local/` creates the
same resources in the AWS emulator under the local names below and sets the same variables.
"""

from __future__ import annotations

# --- environment variable keys read by the Lambda handlers -------------------------------------------
ENV_CONFIG_PARAMETER = "VENDORCAST_CONFIG_PARAMETER"  # SSM parameter holding the validated config (JSON)
ENV_CONFIG_FILE = "VENDORCAST_CONFIG_FILE"  # a TOML file instead (CLI, local runs)
ENV_LEDGER_TABLE = "VENDORCAST_LEDGER_TABLE"
ENV_IDEMPOTENCY_TABLE = "VENDORCAST_IDEMPOTENCY_TABLE"
ENV_RATE_LIMIT_TABLE = "VENDORCAST_RATE_LIMIT_TABLE"  # SP-API token buckets shared by all functions
ENV_LAKE_BUCKET = "VENDORCAST_LAKE_BUCKET"
ENV_REPORT_EVENTS_QUEUE_URL = "VENDORCAST_REPORT_EVENTS_QUEUE_URL"
ENV_REPORT_EVENTS_DLQ_URL = "VENDORCAST_REPORT_EVENTS_DLQ_URL"
ENV_OPS_TOPIC_ARN = "VENDORCAST_OPS_TOPIC_ARN"  # operator alerts (terminal report failures)
ENV_ALERT_TOPIC_ARN = "VENDORCAST_ALERT_TOPIC_ARN"  # vendor alerts (catalog changes, data conditions)
ENV_CATALOG_TABLE = "VENDORCAST_CATALOG_TABLE"
ENV_CATALOG_QUEUE_URL = "VENDORCAST_CATALOG_QUEUE_URL"
ENV_CATALOG_DLQ_URL = "VENDORCAST_CATALOG_DLQ_URL"
ENV_PURCHASE_ORDERS_TABLE = "VENDORCAST_PURCHASE_ORDERS_TABLE"  # watermarks, open POs, alert markers
ENV_PURCHASE_ORDERS_DLQ_URL = "VENDORCAST_PURCHASE_ORDERS_DLQ_URL"  # POs that fail Amazon's model, with the reason
# Endpoint overrides: unset on AWS (Amazon's endpoints), set to the emulator locally.
ENV_SPAPI_ENDPOINT = "VENDORCAST_SPAPI_ENDPOINT"
ENV_LWA_TOKEN_URL = "VENDORCAST_LWA_TOKEN_URL"
# The shared scaled clock (see vendorcast.clock); unset on AWS.
ENV_CLOCK_SIM_ANCHOR = "VENDORCAST_CLOCK_SIM_ANCHOR"
ENV_CLOCK_REAL_ANCHOR = "VENDORCAST_CLOCK_REAL_ANCHOR"
ENV_TIME_SCALE = "VENDORCAST_TIME_SCALE"
# Powertools' own keys.
ENV_POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
SERVICE_NAME = "vendorcast"

# --- resource names used by the embedded runtime (CloudFormation generates its own on AWS) ------------
LOCAL_PREFIX = "vendorcast"
LEDGER_TABLE = f"{LOCAL_PREFIX}-report-requests"
IDEMPOTENCY_TABLE = f"{LOCAL_PREFIX}-idempotency"
RATE_LIMIT_TABLE = f"{LOCAL_PREFIX}-rate-limits"
LAKE_BUCKET = f"{LOCAL_PREFIX}-lake"
REPORT_EVENTS_QUEUE = f"{LOCAL_PREFIX}-report-events"
REPORT_EVENTS_DLQ = f"{LOCAL_PREFIX}-report-events-dlq"
OPS_TOPIC = f"{LOCAL_PREFIX}-ops"
ALERT_TOPIC = f"{LOCAL_PREFIX}-alerts"  # catalog changes, data conditions and forecast summaries (OPS_TOPIC: alarms)
CATALOG_TABLE = f"{LOCAL_PREFIX}-catalog"
CATALOG_QUEUE = f"{LOCAL_PREFIX}-catalog-items"
CATALOG_DLQ = f"{LOCAL_PREFIX}-catalog-items-dlq"
PURCHASE_ORDERS_TABLE = f"{LOCAL_PREFIX}-purchase-orders"
PURCHASE_ORDERS_DLQ = f"{LOCAL_PREFIX}-purchase-orders-dlq"
# Stands in for SP-API's partner event bus locally: moto routes no rules on a bus whose name has slashes, as a
# partner bus's name (aws.partner/sellingpartnerapi.amazon.com/...) has.
LOCAL_PARTNER_EVENT_BUS = f"{LOCAL_PREFIX}-spapi-partner-events"
CONFIG_PARAMETER = f"/{LOCAL_PREFIX}/config"

# --- stack outputs the operator commands (vendorcast.operations) find a deployment by: the functions whose
# environment names the ledger, queues, tables and config parameter (stacks <prefix>-Ingestion, <prefix>-Catalog)
OUTPUT_REQUEST_REPORTS_FUNCTION = "RequestReportsFunctionName"
OUTPUT_CATALOG_WATCH_FUNCTION = "CatalogWatchFunctionName"

# --- ledger (DynamoDB) key schema ----------------------------------------------------------------------
LEDGER_PARTITION_KEY = "request_key"
LEDGER_STREAM_INDEX = "by_stream"  # partition: stream (account/marketplace/report config)
LEDGER_STREAM_KEY = "stream"
LEDGER_REPORT_INDEX = "by_report_id"  # partition: report_id
LEDGER_REPORT_KEY = "report_id"
LEDGER_STATUS_INDEX = "by_status"  # partition: status, sort: due_at (when to look at the entry next)
LEDGER_STATUS_KEY = "status"
LEDGER_STATUS_SORT_KEY = "due_at"

# --- rate-limit table (DynamoDB): one item per selling partner and SP-API operation ---------------------
RATE_LIMIT_KEY = "bucket"

# --- catalog table (DynamoDB): item snapshots, alert batches and their entries, data-condition markers ----
CATALOG_PARTITION_KEY = "pk"
CATALOG_SORT_KEY = "sk"
CATALOG_TTL_ATTRIBUTE = "expires_at"  # batches and their entries expire; snapshots never do

# --- purchase-orders table (DynamoDB): pull watermarks, one item per PO (its latest state, for the alerts), alert
# markers and dead-letter markers; PO items expire after Amazon's retention, the rest never does.
PURCHASE_ORDERS_PARTITION_KEY = "pk"
PURCHASE_ORDERS_SORT_KEY = "sk"
PURCHASE_ORDERS_TTL_ATTRIBUTE = "expires_at"
# Sparse index of the POs still open (partition: account|marketplace), for the acknowledgement and at-risk alerts.
PURCHASE_ORDERS_OPEN_INDEX = "open_orders"
PURCHASE_ORDERS_OPEN_KEY = "open_group"
# Index of the POs by the retail week their delivery window ends in (partition: account|marketplace|week), for the
# weekly OTIF digest.
PURCHASE_ORDERS_WEEK_INDEX = "by_window_week"
PURCHASE_ORDERS_WEEK_KEY = "window_week"

# --- SQS ------------------------------------------------------------------------------------------------
REPORT_EVENTS_MAX_RECEIVE_COUNT = 5
CATALOG_ITEMS_MAX_RECEIVE_COUNT = 5
# catalog_item takes one chunk per invocation, at most two at a time: getCatalogItem allows two requests a second
# per vendor account, so more consumers would only wait for tokens (the buckets are shared, so it stays paced).
CATALOG_ITEM_BATCH_SIZE = 1
CATALOG_ITEM_MAX_CONCURRENCY = 2

# --- SP-API catalog notifications (EventBridge only): the partner source's prefix and the detail types ---
SPAPI_PARTNER_SOURCE_PREFIX = "aws.partner/sellingpartnerapi.amazon.com"
CATALOG_NOTIFICATION_TYPES = ("BRANDED_ITEM_CONTENT_CHANGE", "ITEM_PRODUCT_TYPE_CHANGE")
# SP-API's notification principal for North America (EU/FE accounts listed in the reference are unverified).
SPAPI_NOTIFICATION_PRINCIPAL_ACCOUNT = "437568002678"

# --- the structured log line process_reports writes per event; an alarm counts the landed ones ---------
PROCESSED_EVENT_MESSAGE = "report event processed"
LANDED_ACTION = "landed"

# --- the lake: Glue Data Catalog database, Athena workgroup, the publishing job's durable state --------
GLUE_DATABASE = "vendorcast_lake"
ATHENA_WORKGROUP = "vendorcast-lake"
PUBLISH_STATE_PREFIX = "_state/publish_lake"
# The Glue job's arguments (getResolvedOptions names; passed as --NAME); FULL_REFRESH is given per run.
PUBLISH_JOB_ARG_LAKE_BUCKET = "LAKE_BUCKET"
PUBLISH_JOB_ARG_GLUE_DATABASE = "GLUE_DATABASE"
PUBLISH_JOB_ARG_FULL_REFRESH = "FULL_REFRESH"
ENV_GLUE_DATABASE = "VENDORCAST_GLUE_DATABASE"
ENV_ATHENA_WORKGROUP = "VENDORCAST_ATHENA_WORKGROUP"

# --- the purchase_orders function: Vendor Orders pulled in windows of at most 7 days (Amazon's cap)
PURCHASE_ORDERS_FUNCTION = "purchase_orders"
# Its scheduled event names the account to pull ({"account": "<name>"}, one schedule per account); an event without
# it pulls every account with purchase_orders enabled.
PURCHASE_ORDERS_EVENT_ACCOUNT = "account"

# --- the lake's zones -----------------------------------------------------------------------------------
LANDING_PREFIX = "landing"
RAW_PREFIX = "raw"
CURATED_PREFIX = "curated"
FORECAST_PREFIX = "forecast"
# What only the vendor knows, as its own CSV or Parquet files (validated when read); supply: its stock, lead times,
# lot sizes, capacity and costs, per ASIN or vendor SKU (docs/planning.md).
INPUTS_PREFIX = "inputs"
SUPPLY_INPUTS_PREFIX = f"{INPUTS_PREFIX}/supply"

# --- the forecast workflow: stepfunctions/forecast.asl.json, its functions, its topic and its starter ---
FORECAST_DEFINITION = "stepfunctions/forecast.asl.json"  # relative to the repository root
FORECAST_STATE_MACHINE = f"{LOCAL_PREFIX}-forecast"
# The definition's `${...}` placeholders: each workflow function (its handler folder under lambdas/) by the
# placeholder of its ARN, and the alert topic the run's summary or failure goes to.
FORECAST_FUNCTION_PLACEHOLDERS = {
    "forecast_prepare": "PrepareFunctionArn",
    "forecast_train": "TrainFunctionArn",
    "forecast_shard": "ForecastShardFunctionArn",
    "forecast_publish": "PublishFunctionArn",
    "forecast_record_failure": "RecordFailureFunctionArn",
}
FORECAST_ALERT_TOPIC_PLACEHOLDER = "AlertTopicArn"
ENV_FORECAST_STATE_MACHINE_ARN = "VENDORCAST_FORECAST_STATE_MACHINE_ARN"  # what the scheduled starter starts
# The Glue tables the workflow publishes (vendorcast.lake.forecast_tables): its only grant in the catalog.
FORECAST_TABLE_NAMES = ("forecast", "forecast_accuracy", "forecast_runs")
