"""Every permission a vendorcast function gets, in one place, each named by what it allows. Actions are the
ones the code calls, resources the exact ARNs (objects under one lake zone, the ledger and its indexes),
and key use is limited to requests made through the service that owns the data."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm

from stacks.encryption import grant_key_via
from stacks.lake_storage import lake_objects_arn
from stacks.ledger import IngestionTables
from stacks.nag import acknowledge_wildcard_resource


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
    """Send messages (poll_reports into report-events; process_reports into the dead-letter queue)."""
    _allow(grantee, ["sqs:SendMessage"], [queue.queue_arn])
    grant_key_via(grantee, key, "sqs", "kms:Decrypt", "kms:GenerateDataKey")


def grant_write_lake_zones(grantee: iam.IGrantable, prefix: str, key: kms.IKey, zones: Iterable[str]) -> None:
    """Put objects under the given zones of the lake bucket of deployment `prefix`, and nowhere else in it."""
    for zone in zones:
        objects = lake_objects_arn(prefix, zone)
        _allow(grantee, ["s3:PutObject"], [objects])
        acknowledge_wildcard_resource(
            grantee.grant_principal, objects,
            f"Object keys under {zone}/ are built per report document at run time (vendorcast.lake.layout); "
            "the grant is PutObject on that one zone of the lake bucket only.")
    grant_key_via(grantee, key, "s3", "kms:GenerateDataKey")


def grant_publish_operator_alerts(grantee: iam.IGrantable, topic: sns.ITopic, key: kms.IKey) -> None:
    _allow(grantee, ["sns:Publish"], [topic.topic_arn])
    grant_key_via(grantee, key, "sns", "kms:Decrypt", "kms:GenerateDataKey")
