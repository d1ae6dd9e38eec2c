"""Every permission a vendorcast function gets, in one place, each named by what it allows. Actions are the
ones the code calls, resources the exact ARNs (objects under one lake zone, the ledger and its indexes),
and key use is limited to requests made through the service that owns the data."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Aws
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm

from stacks.encryption import grant_key_via
from stacks.lake_storage import lake_bucket_arn, lake_object_arn, lake_objects_arn
from stacks.ledger import IngestionTables
from stacks.nag import acknowledge, acknowledge_wildcard_resource
from vendorcast.resources import (
    FORECAST_PREFIX,
    FORECAST_TABLE_NAMES,
    LAKE_TABLE_FOLDERS,
    PLANNING_READS,
    PLANNING_TABLE_NAMES,
    SUPPLY_INPUTS_PREFIX,
)


def _allow(grantee: iam.IGrantable, actions: Iterable[str], resources: Iterable[str]) -> None:
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(actions=sorted(actions), resources=list(resources)))


def grant_read_deployment_config(grantee: iam.IGrantable, parameter: ssm.IStringParameter) -> None:
    _allow(grantee, ["ssm:GetParameter"], [parameter.parameter_arn])


def grant_read_spapi_credentials(grantee: iam.IGrantable, secrets: Iterable[secretsmanager.ISecret]) -> None:
    # A secret referenced by name has a partial ARN: Secrets Manager appends six random characters to it.
    # Secrets the vendor creates use Secrets Manager's own key, which it applies on the caller's behalf.
    _allow(grantee, ["secretsmanager:GetSecretValue"], [f"{secret.secret_arn}-??????" for secret in secrets])


def grant_read_report_requests(grantee: iam.IGrantable, tables: IngestionTables) -> None:
    _allow(grantee, ["dynamodb:GetItem", "dynamodb:Query"], [tables.ledger.table_arn, *tables.ledger_index_arns()])
    grant_key_via(grantee, tables.key, "dynamodb", "kms:Decrypt", "kms:DescribeKey")


def grant_create_report_requests(grantee: iam.IGrantable, tables: IngestionTables) -> None:
    _allow(grantee, ["dynamodb:PutItem"], [tables.ledger.table_arn])
    grant_key_via(grantee, tables.key, "dynamodb", "kms:Encrypt", "kms:GenerateDataKey")


def grant_update_report_requests(grantee: iam.IGrantable, tables: IngestionTables) -> None:
    _allow(grantee, ["dynamodb:UpdateItem"], [tables.ledger.table_arn])
    grant_key_via(grantee, tables.key, "dynamodb", "kms:Encrypt", "kms:GenerateDataKey")


def grant_share_spapi_rate_limits(grantee: iam.IGrantable, tables: IngestionTables) -> None:
    """Read and take tokens from the SP-API usage-plan buckets all functions share (vendorcast.spapi.ratelimit)."""
    _allow(grantee, ["dynamodb:GetItem", "dynamodb:PutItem"], [tables.rate_limits.table_arn])
    grant_key_via(grantee, tables.key, "dynamodb", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt",
                  "kms:GenerateDataKey")


def grant_record_idempotency(grantee: iam.IGrantable, tables: IngestionTables) -> None:
    """Powertools' idempotency layer: read, claim, complete and release (on failure) its records."""
    _allow(grantee, ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
           [tables.idempotency.table_arn])
    grant_key_via(grantee, tables.key, "dynamodb", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt",
                  "kms:GenerateDataKey")


def grant_send_to_queue(grantee: iam.IGrantable, queue: sqs.IQueue, key: kms.IKey) -> None:
    """Send messages (poll_reports into report-events; process_reports and purchase_orders into their dead-letter
    queues; Lambda, with the function's role, an asynchronous invocation that failed for good into the function's
    dead-letter queue)."""
    _allow(grantee, ["sqs:SendMessage"], [queue.queue_arn])
    grant_key_via(grantee, key, "sqs", "kms:Decrypt", "kms:GenerateDataKey")


def grant_write_lake_zones(grantee: iam.IGrantable, prefix: str, key: kms.IKey, zones: Iterable[str]) -> None:
    """Put objects under the given zones of the lake bucket of deployment `prefix`, and nowhere else in it."""
    for zone in zones:
        objects = lake_objects_arn(prefix, zone)
        _allow(grantee, ["s3:PutObject"], [objects])
        acknowledge_wildcard_resource(
            grantee.grant_principal, objects,
            f"Object keys under {zone}/ are built per document or page at run time (vendorcast.lake.layout); "
            "the grant is PutObject on that one zone of the lake bucket only.")
    grant_key_via(grantee, key, "s3", "kms:GenerateDataKey")


def grant_publish_operator_alerts(grantee: iam.IGrantable, topic: sns.ITopic, key: kms.IKey) -> None:
    _grant_publish(grantee, topic, key)


def grant_publish_forecast_notices(grantee: iam.IGrantable, topic: sns.ITopic, key: kms.IKey) -> None:
    """The forecast workflow e-mails each run's summary, or its failure, to the alert topic."""
    _grant_publish(grantee, topic, key)


def _grant_publish(grantee: iam.IGrantable, topic: sns.ITopic, key: kms.IKey) -> None:
    _allow(grantee, ["sns:Publish"], [topic.topic_arn])
    grant_key_via(grantee, key, "sns", "kms:Decrypt", "kms:GenerateDataKey")


def grant_publish_catalog_alerts(grantee: iam.IGrantable, topic: sns.ITopic, key: kms.IKey) -> None:
    """Publish the catalog and data-condition digests to the alert topic."""
    _allow(grantee, ["sns:Publish"], [topic.topic_arn])
    grant_key_via(grantee, key, "sns", "kms:Decrypt", "kms:GenerateDataKey")


def grant_publish_purchase_order_alerts(grantee: iam.IGrantable, topic: sns.ITopic, key: kms.IKey) -> None:
    """Publish the purchase-order alerts (not acknowledged, delivery at risk, the weekly OTIF digest) to the alert
    topic."""
    _grant_publish(grantee, topic, key)


# What purchase_orders does with its table: read and conditionally write the watermarks, the POs' latest states and
# the alert and dead-letter markers, a page's POs in batches. Nothing is deleted: POs expire by TTL.
PURCHASE_ORDERS_TABLE_ACTIONS = ("dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem",
                                 "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query")


def grant_update_purchase_orders(grantee: iam.IGrantable, table: dynamodb.ITable, indexes: Iterable[str],
                                 key: kms.IKey) -> None:
    """Read and write the purchase-orders table, and query the named indexes (open POs, POs by delivery week)."""
    _allow(grantee, PURCHASE_ORDERS_TABLE_ACTIONS, [table.table_arn])
    _allow(grantee, ["dynamodb:Query"], [f"{table.table_arn}/index/{index}" for index in indexes])
    grant_key_via(grantee, key, "dynamodb", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")


def grant_update_catalog(grantee: iam.IGrantable, table: dynamodb.ITable, key: kms.IKey) -> None:
    """Read and conditionally write the catalog table's snapshots, batches and markers (transactions are authorized
    as their puts and updates; nothing is deleted: batches expire by TTL)."""
    _allow(grantee, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
           [table.table_arn])
    grant_key_via(grantee, key, "dynamodb", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")


def _lake_zone_objects(prefix: str, zone: str) -> list[str]:
    """Every object under `zone/`, and the keys by which Hadoop's S3 file systems (Spark in the Glue job) probe
    the zone and its parents as directories before listing or writing: `zone` and its `zone_$folder$` marker."""
    parts = zone.split("/")
    directories = ["/".join(parts[:depth]) for depth in range(len(parts), 0, -1)]
    keys = [key for directory in directories for key in (directory, f"{directory}_$folder$")]
    return [lake_objects_arn(prefix, zone), *(lake_object_arn(prefix, key) for key in keys)]


def grant_list_lake(grantee: iam.IGrantable, prefix: str) -> None:
    """List the lake bucket (and look up its region, as Hadoop's S3 clients do). Not narrowed by an s3:prefix
    condition on purpose: S3 answers a request for a missing object with 404 only to a caller whose ListBucket
    holds without one (403 otherwise), and Spark tells a missing path from a forbidden one by that status. The
    keys name report types, accounts and dates; the data stays behind the per-zone object grants."""
    _allow(grantee, ["s3:GetBucketLocation", "s3:ListBucket"], [lake_bucket_arn(prefix)])


def grant_read_lake_zones(grantee: iam.IGrantable, prefix: str, key: kms.IKey, zones: Iterable[str],
                          reader: str = "The publishing job reads every file under {zone}/ that landed since its "
                                        "last run") -> None:
    """Read objects under the given zones of the lake bucket of deployment `prefix`; `reader` says who reads
    what there (for the acknowledgment of the zone-wide grant)."""
    for zone in zones:
        objects = _lake_zone_objects(prefix, zone)
        _allow(grantee, ["s3:GetObject"], objects)
        acknowledge_wildcard_resource(
            grantee.grant_principal, objects[0],
            f"{reader.format(zone=zone)}, keys built at run time; the grant is GetObject on that one zone of the "
            "lake bucket only.")
    grant_key_via(grantee, key, "s3", "kms:Decrypt")


def grant_replace_lake_zones(grantee: iam.IGrantable, prefix: str, key: kms.IKey, zones: Iterable[str],
                             writer: str = "The publishing job rewrites the partitions and files under {zone}/ that "
                                           "a run touches") -> None:
    """Read, write and delete objects under the given zones (a dynamic partition overwrite replaces a
    partition's files; multipart uploads of large Parquet files are aborted when a write fails); `writer` says
    who writes what there (for the acknowledgment of the zone-wide grant)."""
    for zone in zones:
        objects = _lake_zone_objects(prefix, zone)
        _allow(grantee, ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"], objects)
        acknowledge_wildcard_resource(
            grantee.grant_principal, objects[0],
            f"{writer.format(zone=zone)}, keys built at run time; the grant covers that one zone of the lake bucket "
            "only.")
    # Uploading in parts under SSE-KMS needs Decrypt as well as GenerateDataKey.
    grant_key_via(grantee, key, "s3", "kms:Decrypt", "kms:GenerateDataKey")


# What the publishing job calls in the Glue Data Catalog (vendorcast.lake.glue_catalog): look up, create and
# update its tables; list, register and drop their partitions. Never the database (the lake stack owns it),
# never dropping a table.
PUBLISH_CATALOG_ACTIONS = ("glue:BatchCreatePartition", "glue:BatchDeletePartition", "glue:CreateTable",
                           "glue:GetPartitions", "glue:GetTable", "glue:UpdateTable")


def catalog_database_arns(database: str) -> list[str]:
    """The ARNs Glue checks for a call on one database's tables and partitions: the account's catalog, the
    database, and its tables (partitions are authorized on their table)."""
    base = f"arn:{Aws.PARTITION}:glue:{Aws.REGION}:{Aws.ACCOUNT_ID}"
    return [f"{base}:catalog", f"{base}:database/{database}", f"{base}:table/{database}/*"]


def grant_publish_lake_catalog(grantee: iam.IGrantable, database: str) -> None:
    """Create and update the tables of `database` and their partitions (the Glue catalog is not encrypted by
    vendorcast: its encryption is an account-wide setting)."""
    arns = catalog_database_arns(database)
    _allow(grantee, PUBLISH_CATALOG_ACTIONS, arns)
    acknowledge_wildcard_resource(
        grantee.grant_principal, arns[-1],
        f"The publishing job creates and updates the curated tables of the {database} database, whose names come "
        "from the table contract (vendorcast.lake.tables); the grant covers that one database's tables only.")


def grant_publish_forecast_catalog(grantee: iam.IGrantable, database: str) -> None:
    """Create and update the forecast tables of `database` (resources.FORECAST_TABLE_NAMES, by name) and their
    partitions; the curated tables stay out of reach."""
    _grant_publish_tables(grantee, database, FORECAST_TABLE_NAMES)


def grant_publish_planning_catalog(grantee: iam.IGrantable, database: str) -> None:
    """Create and update the plan's tables of `database` (resources.PLANNING_TABLE_NAMES, by name) and their
    partitions, and no other table."""
    _grant_publish_tables(grantee, database, PLANNING_TABLE_NAMES)


def _grant_publish_tables(grantee: iam.IGrantable, database: str, tables: Iterable[str]) -> None:
    base = f"arn:{Aws.PARTITION}:glue:{Aws.REGION}:{Aws.ACCOUNT_ID}"
    _allow(grantee, PUBLISH_CATALOG_ACTIONS, [f"{base}:catalog", f"{base}:database/{database}",
                                              *(f"{base}:table/{database}/{table}" for table in tables)])


def planning_table_folders() -> list[str]:
    """The lake folders of the plan's tables (forecast/po_forecast, ...)."""
    return [f"{FORECAST_PREFIX}/{table}" for table in PLANNING_TABLE_NAMES]


def grant_read_planning_inputs(grantee: iam.IGrantable, prefix: str, key: kms.IKey) -> None:
    """Read what a plan reads (resources.PLANNING_READS: the curated purchase orders and inventory, the forecast and
    its runs) and the vendor's files under inputs/supply/; and look up the other tables' folders, each one key that
    is never an object, which the local query engine probes before listing (resources.LAKE_TABLE_FOLDERS)."""
    reads = [f"{zone}/{table}" for zone, tables in PLANNING_READS.items() for table in tables]
    grant_read_lake_zones(grantee, prefix, key, [*reads, SUPPLY_INPUTS_PREFIX],
                          reader="The Plan step reads the files under {zone}/")
    probed = [f"{zone}/{table}" for zone, tables in LAKE_TABLE_FOLDERS.items() for table in tables]
    _allow(grantee, ["s3:GetObject"], [lake_object_arn(prefix, folder) for folder in probed
                                       if folder not in reads and folder not in planning_table_folders()])


def grant_write_planning_tables(grantee: iam.IGrantable, prefix: str, key: kms.IKey) -> None:
    """Write (and rewrite, on a re-run) the run's files of the plan's tables, and no other table's."""
    grant_replace_lake_zones(grantee, prefix, key, planning_table_folders(),
                             writer="The Plan step writes one file per run under {zone}/")


def grant_invoke_functions(grantee: iam.IGrantable, functions: Iterable[lambda_.IFunction]) -> None:
    """Invoke exactly these functions (unqualified: no version or alias)."""
    _allow(grantee, ["lambda:InvokeFunction"], [function.function_arn for function in functions])


def grant_start_forecast_runs(grantee: iam.IGrantable, state_machine_arn: str) -> None:
    """StartExecution on the forecast state machine, no other, and nothing else on it."""
    _allow(grantee, ["states:StartExecution"], [state_machine_arn])


def grant_run_distributed_map(grantee: iam.IGrantable, state_machine_arn: str, child_executions_arn: str) -> None:
    """What a state machine's distributed Map needs (Step Functions' "IAM policies for using Distributed Map
    states"): start child executions of the state machine itself, follow and stop them."""
    _allow(grantee, ["states:StartExecution"], [state_machine_arn])
    _allow(grantee, ["states:DescribeExecution", "states:StopExecution"], [child_executions_arn])
    acknowledge_wildcard_resource(
        grantee.grant_principal, child_executions_arn,
        "The child executions of the distributed Map are named by Step Functions at run time; the grant is "
        "describing and stopping the executions of this state machine's one labelled map run only.")


def grant_read_assets(grantee: iam.IGrantable, assets: Iterable[s3_assets.Asset]) -> None:
    """Read the given deployment assets (a Glue job's script and libraries), each one object exactly."""
    _allow(grantee, ["s3:GetObject"], [asset.bucket.arn_for_objects(asset.s3_object_key) for asset in assets])


# Glue job metrics (`--enable-metrics`) are put by the job itself, into this namespace.
GLUE_METRICS_NAMESPACE = "Glue"


def grant_run_glue_job(grantee: iam.IGrantable) -> None:
    """What a Glue job's role needs besides its data: read the job's security configuration when a run starts
    (Glue does it with the job's role), and put the job's metrics. Neither action has resource-level
    permissions; the metrics are limited to Glue's namespace."""
    _allow(grantee, ["glue:GetSecurityConfiguration"], ["*"])
    grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
        actions=["cloudwatch:PutMetricData"], resources=["*"],
        conditions={"StringEquals": {"cloudwatch:namespace": GLUE_METRICS_NAMESPACE}},
    ))
    acknowledge(grantee.grant_principal, "AwsSolutions-IAM5[Resource::*]",
                "Glue GetSecurityConfiguration and CloudWatch PutMetricData have no resource-level permissions: a "
                "Glue job's role reads its own security configuration to start a run, and puts its job metrics "
                f"only into the {GLUE_METRICS_NAMESPACE} namespace (a condition).")


# What a reader of the lake through Athena calls (QuickSight's data source): run queries in the workgroup and read
# their results; look the tables and views up in the Glue catalog. Athena's own lookups of the catalog are
# authorized on the data catalog.
ATHENA_QUERY_ACTIONS = ("athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetQueryResultsStream",
                        "athena:GetWorkGroup", "athena:StartQueryExecution", "athena:StopQueryExecution")
ATHENA_CATALOG_ACTIONS = ("athena:GetDataCatalog", "athena:GetDatabase", "athena:GetTableMetadata",
                          "athena:ListDatabases", "athena:ListTableMetadata")
READ_CATALOG_ACTIONS = ("glue:BatchGetPartition", "glue:GetDatabase", "glue:GetDatabases", "glue:GetPartition",
                        "glue:GetPartitions", "glue:GetTable", "glue:GetTables")


def grant_query_lake_with_athena(grantee: iam.IGrantable, prefix: str, key: kms.IKey, database: str,
                                 workgroup: str, results: s3.IBucket, zones: Iterable[str]) -> None:
    """Query the lake's tables and views of `database` in the Athena workgroup, read-only: the curated and
    forecast zones (`zones`) through Athena, the workgroup's results written and read back (encrypted with the
    lake's key)."""
    arn = f"arn:{Aws.PARTITION}:athena:{Aws.REGION}:{Aws.ACCOUNT_ID}"
    _allow(grantee, ATHENA_QUERY_ACTIONS, [f"{arn}:workgroup/{workgroup}"])
    _allow(grantee, ATHENA_CATALOG_ACTIONS, [f"{arn}:datacatalog/AwsDataCatalog"])
    tables = catalog_database_arns(database)
    _allow(grantee, READ_CATALOG_ACTIONS, tables)
    acknowledge_wildcard_resource(
        grantee.grant_principal, tables[-1],
        f"Readers query every table and view of the {database} database (the dashboard's datasets read the "
        "views and the forecast tables); the grant is read-only on that one database.")
    grant_list_lake(grantee, prefix)
    for zone in zones:
        objects = lake_objects_arn(prefix, zone)
        _allow(grantee, ["s3:GetObject"], [objects])
        acknowledge_wildcard_resource(
            grantee.grant_principal, objects,
            f"Athena reads the Parquet files of every table under {zone}/ that a query touches, keys built by the "
            "publishing job and the forecast workflow; the grant is GetObject on that one zone only.")
    _allow(grantee, ["s3:GetBucketLocation", "s3:ListBucket"], [results.bucket_arn])
    results_objects = results.arn_for_objects("*")
    _allow(grantee, ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
           [results_objects])
    acknowledge_wildcard_resource(
        grantee.grant_principal, results_objects,
        "Athena writes each query's results under a key named by its execution id, and the reader reads them "
        "back; the grant covers the objects of the workgroup's results bucket only.")
    grant_key_via(grantee, key, "s3", "kms:Decrypt", "kms:GenerateDataKey")
