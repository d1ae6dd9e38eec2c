"""Publishing: the Glue job that turns the lake's raw zone into the curated tables analysts query, with the key
that encrypts its logs. A stack of its own, apart from the lake's storage: its code (the script and the
vendorcast wheel) changes with every release, the buckets, key and catalog database almost never, so a code
deploy never touches the stack that holds the data."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from stacks.encryption import data_key
from stacks.lake_storage import LakeStorageStack
from stacks.publish_lake_job import PublishLakeJob, PublishWorkers
from vendorcast.config import VendorcastConfig


class PublishingStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: VendorcastConfig, lake: LakeStorageStack,
                 workers: PublishWorkers, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # The lake bucket is named, not referenced (see lake_bucket_name): deploy after its stack.
        self.add_stack_dependency(lake)
        self.key = data_key(self, "PublishingKey", "vendorcast publishing: the Glue job's logs and bookmarks")
        self.publish_lake = PublishLakeJob(
            self, "PublishLake",
            prefix=lake.prefix, lake_key=lake.key, logs_key=self.key, database=lake.database_name,
            schedule_expression=config.schedules.publish_lake, workers=workers,
        )

        CfnOutput(self, "PublishLakeJobName", value=self.publish_lake.job_name,
                  description="Glue job that publishes the curated tables: aws glue start-job-run --job-name ...")
        CfnOutput(self, "PublishLakeRoleArn", value=self.publish_lake.role.role_arn,
                  description="Role of the publishing job (for Lake Formation grants, where the account uses them)")
