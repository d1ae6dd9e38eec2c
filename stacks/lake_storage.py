"""Lake storage: the lake bucket with its zones (landing/raw/curated/forecast), the Athena results bucket,
the bucket that receives both buckets' access logs, the Glue database and the Athena workgroup."""

from __future__ import annotations

import re

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.checkov_skips import skip_check
from stacks.encryption import data_key
from stacks.nag import acknowledge
from vendorcast.resources import CURATED_PREFIX, LANDING_PREFIX

# Landing keeps every document exactly as Amazon served it; after a month it is read only to re-parse.
LANDING_INFREQUENT_ACCESS_AFTER = Duration.days(30)
# Overwritten or deleted objects stay recoverable this long (versioning protects against a bad run).
NONCURRENT_VERSIONS_KEPT_FOR = Duration.days(90)
ACCESS_LOGS_KEPT_FOR = Duration.days(365)
ATHENA_RESULTS_KEPT_FOR = Duration.days(30)
# A vendor's lake is gigabytes at most: a query scanning more than this is a mistake, not an analysis.
ATHENA_BYTES_SCANNED_CUTOFF = 10 * 1024**3
ATHENA_ENGINE = "Athena engine version 3"


def lake_database_name(prefix: str) -> str:
    """Glue database names are lower-case letters, digits and underscores: Vendorcast -> vendorcast_lake."""
    return re.sub(r"[^a-z0-9]+", "_", prefix.lower()).strip("_") + "_lake"


def athena_workgroup_name(prefix: str) -> str:
    return f"{prefix.lower()}-lake"


def lake_bucket_name(prefix: str) -> str:
    """`<prefix>-lake-<account>-<region>`: known to every stack without a cross-stack reference, so grants on
    its zones read the same in every template (and in their cdk-nag acknowledgments). At most 63 characters
    for a 30-character prefix."""
    return f"{prefix.lower()}-lake-{Aws.ACCOUNT_ID}-{Aws.REGION}"


def lake_bucket_arn(prefix: str) -> str:
    return f"arn:{Aws.PARTITION}:s3:::{lake_bucket_name(prefix)}"


def lake_objects_arn(prefix: str, zone: str) -> str:
    """The ARN of every object under one zone (`landing`, `raw`, ...) of the lake bucket."""
    return f"{lake_bucket_arn(prefix)}/{zone}/*"


def lake_object_arn(prefix: str, key: str) -> str:
    """The ARN of one object of the lake bucket."""
    return f"{lake_bucket_arn(prefix)}/{key}"


def _private_bucket(scope: Construct, construct_id: str, **props: object) -> s3.Bucket:
    """A bucket nobody reaches without TLS 1.2 and IAM, owned by this account, kept when the stack goes."""
    return s3.Bucket(
        scope, construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=RemovalPolicy.RETAIN,
        **props,
    )


class LakeStorageStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.prefix = prefix
        self.key: kms.Key = data_key(self, "LakeKey", "vendorcast lake: lake and Athena results buckets")

        self.access_logs = _private_bucket(
            self, "AccessLogs",
            # S3 server access logging can deliver only to a bucket encrypted with S3-managed keys.
            encryption=s3.BucketEncryption.S3_MANAGED,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(id="expire-access-logs", expiration=ACCESS_LOGS_KEPT_FOR,
                                              noncurrent_version_expiration=Duration.days(1))],
        )
        no_access_log = ("This bucket is the access-log destination of the lake and Athena results buckets; "
                         "logging its own access would log the log deliveries themselves.")
        acknowledge(self.access_logs, "AwsSolutions-S1", no_access_log)
        skip_check(self.access_logs, "CKV_AWS_18", no_access_log)

        self.lake = _private_bucket(
            self, "Lake",
            bucket_name=lake_bucket_name(prefix),
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="lake/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="landing-to-infrequent-access",
                    prefix=f"{LANDING_PREFIX}/",
                    transitions=[s3.Transition(storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                                               transition_after=LANDING_INFREQUENT_ACCESS_AFTER)],
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=NONCURRENT_VERSIONS_KEPT_FOR,
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                ),
            ],
        )

        self.athena_results = _private_bucket(
            self, "AthenaResults",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="athena-results/",
            lifecycle_rules=[s3.LifecycleRule(id="expire-query-results", expiration=ATHENA_RESULTS_KEPT_FOR,
                                              abort_incomplete_multipart_upload_after=Duration.days(1))],
        )
        skip_check(self.athena_results, "CKV_AWS_21",
                   "Athena writes each query's results under a new key (the query's id) and never overwrites or "
                   f"deletes one; the results expire after {ATHENA_RESULTS_KEPT_FOR.to_days()} days and running the "
                   "query again recreates them. Versions would keep only copies of expired results.")

        self.database_name = lake_database_name(prefix)
        self.database = glue.CfnDatabase(
            self, "Database",
            catalog_id=Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="vendorcast curated and forecast tables (written by the lake Glue job)",
                location_uri=f"s3://{self.lake.bucket_name}/{CURATED_PREFIX}/",
            ),
        )

        self.workgroup = athena.CfnWorkGroup(
            self, "Workgroup",
            name=athena_workgroup_name(prefix),
            description="vendorcast lake queries: engine v3, encrypted results, bounded scans",
            state="ENABLED",
            # Deleting the stack also deletes the workgroup's saved queries; the results bucket is kept.
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(selected_engine_version=ATHENA_ENGINE),
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=ATHENA_BYTES_SCANNED_CUTOFF,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.athena_results.bucket_name}/",
                    expected_bucket_owner=Aws.ACCOUNT_ID,
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=self.key.key_arn,
                    ),
                ),
            ),
        )

        CfnOutput(self, "LakeBucketName", value=self.lake.bucket_name,
                  description="S3 bucket of the lake (landing/, raw/, curated/, forecast/)")
        CfnOutput(self, "GlueDatabaseName", value=self.database_name, description="Glue database of the lake")
        CfnOutput(self, "AthenaWorkgroupName", value=self.workgroup.name, description="Athena workgroup to query with")

