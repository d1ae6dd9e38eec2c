"""The ingestion's DynamoDB tables, as vendorcast/local/aws.py creates them locally: the report-request ledger
(key schema and indexes from vendorcast.resources), the SP-API token buckets every function draws on, and
Powertools' idempotency table."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from vendorcast.resources import (
    LEDGER_PARTITION_KEY,
    LEDGER_REPORT_INDEX,
    LEDGER_REPORT_KEY,
    LEDGER_STATUS_INDEX,
    LEDGER_STATUS_KEY,
    LEDGER_STATUS_SORT_KEY,
    LEDGER_STREAM_INDEX,
    LEDGER_STREAM_KEY,
    RATE_LIMIT_KEY,
)

# Powertools' DynamoDB persistence layer: partition key and TTL attribute (its defaults).
IDEMPOTENCY_PARTITION_KEY = "id"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"

# index name -> (partition key, sort key)
LEDGER_INDEXES: dict[str, tuple[str, str | None]] = {
    LEDGER_STREAM_INDEX: (LEDGER_STREAM_KEY, LEDGER_PARTITION_KEY),
    LEDGER_REPORT_INDEX: (LEDGER_REPORT_KEY, None),
    LEDGER_STATUS_INDEX: (LEDGER_STATUS_KEY, LEDGER_STATUS_SORT_KEY),
}


def string_attribute(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def encrypted_table(scope: Construct, construct_id: str, key: kms.IKey, **props: object) -> dynamodb.Table:
    """A vendorcast table: on demand, encrypted with the stack's key, with point-in-time recovery."""
    return dynamodb.Table(
        scope, construct_id,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True),
        **props,
    )


class IngestionTables(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        # The ledger is the pipeline's memory of what was requested and landed: never lost with the stack.
        self.ledger = encrypted_table(self, "Ledger", key, partition_key=string_attribute(LEDGER_PARTITION_KEY),
                                      deletion_protection=True, removal_policy=RemovalPolicy.RETAIN)
        for index, (partition, sort) in LEDGER_INDEXES.items():
            self.ledger.add_global_secondary_index(
                index_name=index, partition_key=string_attribute(partition),
                sort_key=string_attribute(sort) if sort else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        # Token buckets refill within minutes: nothing worth keeping either.
        self.rate_limits = encrypted_table(self, "RateLimits", key, partition_key=string_attribute(RATE_LIMIT_KEY),
                                           removal_policy=RemovalPolicy.DESTROY)
        # Idempotency records expire after a week (process_reports): nothing worth keeping.
        self.idempotency = encrypted_table(self, "Idempotency", key,
                                           partition_key=string_attribute(IDEMPOTENCY_PARTITION_KEY),
                                           time_to_live_attribute=IDEMPOTENCY_TTL_ATTRIBUTE,
                                           removal_policy=RemovalPolicy.DESTROY)

    def ledger_index_arns(self) -> list[str]:
        return [f"{self.ledger.table_arn}/index/{index}" for index in LEDGER_INDEXES]
