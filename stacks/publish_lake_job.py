"""The Glue job publish_lake: Spark on Glue 5.0 runs glue_jobs/publish_lake.py with the vendorcast wheel, reads
the lake's raw zone and writes its curated zone, its own state and the Glue Data Catalog. With it: the job's
role, the security configuration that encrypts what it writes (S3, logs, bookmarks), its log groups, and the
EventBridge schedule that starts it (a person starts it with `aws glue start-job-run`)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from constructs import Construct

from stacks.encryption import allow_cloudwatch_logs
from stacks.grants import (
    grant_list_lake,
    grant_publish_lake_catalog,
    grant_read_assets,
    grant_read_lake_zones,
    grant_replace_lake_zones,
    grant_run_glue_job,
)
from stacks.lake_storage import lake_bucket_name
from stacks.lambda_function import LOG_RETENTION
from stacks.packaging import glue_job_script, library_wheel
from vendorcast.resources import (
    CURATED_PREFIX,
    PUBLISH_JOB_ARG_GLUE_DATABASE,
    PUBLISH_JOB_ARG_LAKE_BUCKET,
    PUBLISH_STATE_PREFIX,
    RAW_PREFIX,
)

JOB = "publish_lake"  # glue_jobs/publish_lake.py
GLUE_VERSION = "5.0"  # Spark 3.5, Python 3.11 on Amazon Linux 2023
# The job's own arguments as Glue passes them (--NAME); --FULL_REFRESH true is given per run.
ARG_LAKE_BUCKET = f"--{PUBLISH_JOB_ARG_LAKE_BUCKET}"
ARG_GLUE_DATABASE = f"--{PUBLISH_JOB_ARG_GLUE_DATABASE}"
# Two G.1X workers (4 vCPU, 16 GB each: one driver, one executor) publish a day's new documents in minutes for
# the largest catalogue vendorcast plans for; a full refresh of it takes longer (docs/scale.md).
DEFAULT_WORKER_TYPE = "G.1X"
DEFAULT_WORKERS = 2
WORKER_TYPES = ("G.1X", "G.2X", "G.4X", "G.8X")
# Scheduled runs take minutes even for the largest catalogue (docs/scale.md), so a run that outlives this has
# hung: Glue stops it and the failure is e-mailed. A full refresh of a large lake is started with more workers.
PUBLISH_LAKE_TIMEOUT = Duration.hours(3)
# A failed run is not retried by Glue: the same input fails the same way, and the next scheduled run (the job
# is incremental) or a person picks up where it stopped.
PUBLISH_LAKE_MAX_RETRIES = 0
# EventBridge Scheduler retries a start Glue refused (throttling) within the hour, then leaves it to the next day.
SCHEDULED_START_RETRIES = 2
SCHEDULED_START_MAX_AGE = Duration.hours(1)
# Glue 5.0 writes Spark's and the Glue logger's lines to .../error, the script's stdout and stderr to .../output.
LOG_GROUP_KINDS = ("error", "output")
# Pure-Python packages the job imports that Glue 5.0 does not provide, pinned to uv.lock and installed by pip
# when a run starts. None so far: the job's import closure is the standard library, pyarrow and pyspark (the
# tests check this against Glue 5.0's module list).
ADDITIONAL_PYTHON_MODULES: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublishWorkers:
    """Glue worker type and count (`-c publish_worker_type=G.2X -c publish_workers=4`; a single run can
    override both with `aws glue start-job-run --worker-type ... --number-of-workers ...`)."""

    worker_type: str = DEFAULT_WORKER_TYPE
    count: int = DEFAULT_WORKERS


def publish_lake_job_name(prefix: str) -> str:
    """`vendorcast-publish-lake`: the name to start it by hand. Also the name of its security configuration."""
    return f"{prefix.lower()}-publish-lake"


def glue_log_group_name(security_configuration: str, role_name: str, kind: str) -> str:
    """Where Glue 5.0 writes a job's logs when its security configuration encrypts CloudWatch Logs."""
    return f"/aws-glue/jobs/{security_configuration}-role/{role_name}/{kind}"


class PublishLakeJob(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str, lake_key: kms.IKey, logs_key: kms.Key,
                 database: str, schedule_expression: str, workers: PublishWorkers) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.job_name = publish_lake_job_name(prefix)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
                             description=f"vendorcast {JOB} Glue job")

        # Everything the job writes is encrypted: lake objects with the lake's key (as the bucket would anyway),
        # logs and (unused) bookmarks with the publishing key.
        self.security_configuration = glue.CfnSecurityConfiguration(
            self, "SecurityConfiguration",
            name=self.job_name,
            encryption_configuration=glue.CfnSecurityConfiguration.EncryptionConfigurationProperty(
                s3_encryptions=[glue.CfnSecurityConfiguration.S3EncryptionProperty(
                    s3_encryption_mode="SSE-KMS", kms_key_arn=lake_key.key_arn)],
                cloud_watch_encryption=glue.CfnSecurityConfiguration.CloudWatchEncryptionProperty(
                    cloud_watch_encryption_mode="SSE-KMS", kms_key_arn=logs_key.key_arn),
                job_bookmarks_encryption=glue.CfnSecurityConfiguration.JobBookmarksEncryptionProperty(
                    job_bookmarks_encryption_mode="CSE-KMS", kms_key_arn=logs_key.key_arn),
            ),
        )
        self._logs(stack, logs_key)

        self.script = glue_job_script(self, "Script", JOB)
        self.library = library_wheel(self, "Library")
        default_arguments = {
            "--job-language": "python",
            # The job keeps its own durable state under _state/publish_lake/ (what it has published).
            "--job-bookmark-option": "job-bookmark-disable",
            "--extra-py-files": self.library.s3_object_url,
            "--enable-continuous-cloudwatch-log": "true",
            # Job metrics (run time, bytes and records read) for the dashboard; Glue takes the key alone.
            "--enable-metrics": "",
        }
        if ADDITIONAL_PYTHON_MODULES:
            default_arguments["--additional-python-modules"] = ",".join(ADDITIONAL_PYTHON_MODULES)
        self.job = glue.CfnJob(
            self, "Job",
            name=self.job_name,
            description="vendorcast: publish the lake's raw zone as curated tables in the Glue Data Catalog",
            role=self.role.role_arn,
            command=glue.CfnJob.JobCommandProperty(name="glueetl", python_version="3",
                                                   script_location=self.script.s3_object_url),
            glue_version=GLUE_VERSION,
            worker_type=workers.worker_type,
            number_of_workers=workers.count,
            timeout=int(PUBLISH_LAKE_TIMEOUT.to_minutes()),
            max_retries=PUBLISH_LAKE_MAX_RETRIES,
            execution_property=glue.CfnJob.ExecutionPropertyProperty(max_concurrent_runs=1),
            # A run that the account's Glue quotas hold back waits for capacity instead of failing. (A start while
            # this job's one run is going is refused; the scheduled start then waits for the next day.)
            job_run_queuing_enabled=True,
            security_configuration=self.security_configuration.ref,
            default_arguments=default_arguments,
            # Where the lake is belongs to the deployment, not to a run: a run cannot point the job elsewhere.
            non_overridable_arguments={ARG_LAKE_BUCKET: lake_bucket_name(prefix), ARG_GLUE_DATABASE: database},
        )

        grant_read_assets(self.role, [self.script, self.library])
        grant_list_lake(self.role, prefix)
        grant_read_lake_zones(self.role, prefix, lake_key, [RAW_PREFIX])
        grant_replace_lake_zones(self.role, prefix, lake_key, [CURATED_PREFIX, PUBLISH_STATE_PREFIX])
        grant_publish_lake_catalog(self.role, database)
        grant_run_glue_job(self.role)
        # The job's first scheduled run must find its permissions in place.
        self.job.node.add_dependency(self.role.node.find_child("DefaultPolicy"))

        self.schedule = scheduler.Schedule(
            self, "Schedule",
            description=f"vendorcast: start the {JOB} Glue job on {schedule_expression}",
            schedule=scheduler.ScheduleExpression.expression(schedule_expression),
            target=scheduler_targets.Universal(
                service="glue", action="startJobRun",
                input=scheduler.ScheduleTargetInput.from_object({"JobName": self.job_name}),
                policy_statements=[iam.PolicyStatement(actions=["glue:StartJobRun"], resources=[self.job_arn])],
                retry_attempts=SCHEDULED_START_RETRIES,
                max_event_age=SCHEDULED_START_MAX_AGE,
            ),
        )
        self.schedule.node.add_dependency(self.job)

    @property
    def job_arn(self) -> str:
        return f"arn:{Aws.PARTITION}:glue:{Aws.REGION}:{Aws.ACCOUNT_ID}:job/{self.job_name}"

    def _logs(self, stack: Stack, logs_key: kms.Key) -> None:
        """Create the job's log groups up front, encrypted and with a retention (Glue would create them without
        one), and let the job write to them. Glue associates the configuration's key with them on every run."""
        security_configuration = self.security_configuration.name
        allow_cloudwatch_logs(logs_key, "AllowCloudWatchLogsForThePublishingJob",
                              f"/aws-glue/jobs/{security_configuration}-role/*")
        self.log_groups: dict[str, logs.LogGroup] = {}
        for kind in LOG_GROUP_KINDS:
            group = logs.LogGroup(
                self, f"{kind.title()}Logs",
                log_group_name=glue_log_group_name(security_configuration, self.role.role_name, kind),
                encryption_key=logs_key,
                retention=LOG_RETENTION,
                removal_policy=RemovalPolicy.RETAIN,
            )
            self.log_groups[kind] = group
            group_arn = stack.format_arn(service="logs", resource="log-group", arn_format=ArnFormat.COLON_RESOURCE_NAME,
                                         resource_name=group.log_group_name)
            # Glue creates a group that is missing and associates the key; the streams are the job's runs.
            self.role.add_to_policy(iam.PolicyStatement(
                actions=["logs:AssociateKmsKey", "logs:CreateLogGroup"], resources=[group_arn]))
            self.role.add_to_policy(iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[group.log_group_arn]))

