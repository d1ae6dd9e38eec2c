"""One vendorcast Lambda function: the handler in `lambdas/<name>/`, the dependencies layer, arm64 Python, its
own log group (encrypted with its stack's key, with a retention), its own role that starts with nothing but
writing those logs, and a dead-letter queue for what fails when Lambda invokes it asynchronously. The log group,
the role and what the security scanners are told about every function are shared with the forecast workflow's
image functions (stacks/forecast_workflow.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.checkov_skips import skip_check
from stacks.encryption import allow_cloudwatch_logs
from stacks.grants import grant_send_to_queue
from stacks.nag import acknowledge
from stacks.packaging import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, function_code
from stacks.queues import dead_letter_queue
from vendorcast.resources import ENV_POWERTOOLS_SERVICE_NAME, SERVICE_NAME

LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
POWERTOOLS_ENVIRONMENT = {
    ENV_POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
# Why checkov's checks for a VPC (CKV_AWS_117) and for a key on the environment variables (CKV_AWS_173) do not
# apply to any vendorcast function.
NO_VPC_REASON = (
    "vendorcast functions reach only public endpoints: AWS service APIs (S3, DynamoDB, SQS, SNS, Secrets Manager, "
    "SSM, Step Functions, Glue) over TLS with IAM, and SP-API and its LWA token service on the internet. No resource "
    "of theirs lives in a VPC (no database, cache or file system), so a VPC would protect nothing and only add NAT "
    "gateways or an interface endpoint per service to pay for."
)
NO_ENVIRONMENT_KEY_REASON = (
    "The environment holds only resource names, ARNs, queue URLs and Powertools settings, never a secret "
    "(tests/infra checks that no variable is named like a credential): SP-API credentials are read from Secrets "
    "Manager at run time. Lambda encrypts the variables at rest with its own key; a customer-managed key would "
    "guard nothing secret."
)
QUEUE_FED_REASON = (
    "Lambda invokes this function only from its SQS queue's event source mapping, synchronously, never "
    "asynchronously: a message that keeps failing moves to that queue's own dead-letter queue (its redrive policy), "
    "so a function dead-letter queue would never receive anything."
)


@dataclass(frozen=True)
class QueueFeed:
    """An SQS queue that feeds a function in batches, the function reporting which messages failed (Powertools'
    batch processing), at most `max_concurrency` batches at once; the function reserves as many (unless told more),
    so that no other path runs more of it at once than its queue may."""

    queue: sqs.IQueue
    batch_size: int
    max_concurrency: int
    batching_window: Duration | None = None

    def event_source(self) -> event_sources.SqsEventSource:
        return event_sources.SqsEventSource(self.queue, batch_size=self.batch_size,
                                            max_batching_window=self.batching_window, report_batch_item_failures=True,
                                            max_concurrency=self.max_concurrency)


def function_log_group(scope: Construct, name: str, key: kms.Key) -> logs.LogGroup:
    """The log group of function `name`, `/aws/lambda/<stack>/<name>`: named up front so that `key`'s policy can let
    CloudWatch Logs use the key for this group and no other; kept three months, and when the stack goes."""
    log_group_name = f"/aws/lambda/{Stack.of(scope).stack_name}/{name}"
    allow_cloudwatch_logs(key, f"AllowCloudWatchLogsFor{name.title().replace('_', '')}Function", log_group_name)
    return logs.LogGroup(scope, "Logs", log_group_name=log_group_name, encryption_key=key, retention=LOG_RETENTION,
                         removal_policy=RemovalPolicy.RETAIN)


def function_role(scope: Construct, description: str, log_group: logs.ILogGroup) -> iam.Role:
    """A function's own role, which starts with nothing but writing its logs (Lambda creates the log streams; the
    log group itself is created by the stack)."""
    role = iam.Role(scope, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description)
    role.add_to_policy(iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                           resources=[log_group.log_group_arn]))
    return role


def finish_function(function: lambda_.Function, role: iam.Role) -> None:
    """What every vendorcast function gets once built: its deployment order, and the scanner checks that do not
    apply to it, skipped with the reason."""
    # Lambda makes the function depend on its role and the role's policy; the role half is already implied by the
    # function's GetAtt of the role ARN (cfn-lint W3005), so only the policy is kept.
    policy = role.node.find_child("DefaultPolicy").node.default_child
    function.node.default_child.add_override("DependsOn", [Stack.of(function).get_logical_id(policy)])
    skip_check(function, "CKV_AWS_117", NO_VPC_REASON)
    skip_check(function, "CKV_AWS_173", NO_ENVIRONMENT_KEY_REASON)


class VendorcastFunction(Construct):
    """`key` is the stack's data key (stacks.encryption.data_key): it encrypts the function's logs and its
    dead-letter queue. A function fed by an SQS queue (`queue_feed`) leaves what fails to that queue's own
    dead-letter queue; any other is invoked asynchronously (by its schedule, or by `aws lambda invoke
    --invocation-type Event`) and gets a dead-letter queue of its own (`dead_letters`) for an event that still fails
    after Lambda's retries, or that waited out its maximum age while throttled.

    Concurrency is reserved where a rate limit or a cost depends on it: every SP-API caller shares Amazon's token
    buckets with the others (vendorcast.spapi.ratelimit), so more of them at once only wait longer, paid by the
    second. A queue-fed function reserves what its queue may run at once; any other gives
    `reserved_concurrent_executions`, or says why it needs none (`unreserved_because`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        layer: lambda_.ILayerVersion,
        environment: Mapping[str, str],
        timeout: Duration,
        memory_size: int,
        key: kms.Key,
        reserved_concurrent_executions: int | None = None,
        unreserved_because: str | None = None,
        queue_feed: QueueFeed | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if queue_feed is not None:
            reserved_concurrent_executions = reserved_concurrent_executions or queue_feed.max_concurrency
        if (reserved_concurrent_executions is None) == (unreserved_because is None):
            raise ValueError(f"function {name}: give reserved_concurrent_executions (an SP-API caller, or a run that "
                             "must not overlap) or unreserved_because (why neither a rate limit nor a cost depends "
                             "on how many run at once), not both")
        self.name = name
        self.log_group = function_log_group(self, name, key)
        self.role = function_role(self, f"vendorcast {name} function", self.log_group)
        self.dead_letters: sqs.Queue | None = (None if queue_feed is not None
                                               else dead_letter_queue(self, "DeadLetters", key=key))
        self.function = lambda_.Function(
            self, "Function",
            description=description,
            runtime=LAMBDA_RUNTIME,
            architecture=LAMBDA_ARCHITECTURE,
            handler=f"lambdas.{name}.handler.handler",
            code=function_code(name),
            layers=[layer],
            role=self.role,
            log_group=self.log_group,
            timeout=timeout,
            memory_size=memory_size,
            reserved_concurrent_executions=reserved_concurrent_executions,
            dead_letter_queue=self.dead_letters,
            environment={**POWERTOOLS_ENVIRONMENT, **environment},
        )
        if queue_feed is not None:
            self.function.add_event_source(queue_feed.event_source())
            skip_check(self.function, "CKV_AWS_116", QUEUE_FED_REASON)
        else:
            grant_send_to_queue(self.function, self.dead_letters, key)
            acknowledge(self.dead_letters, "AwsSolutions-SQS3",
                        f"This queue is the dead-letter queue of the {name} function's asynchronous invocations "
                        "(its DeadLetterConfig), not of another queue, so no redrive policy points at it; it has "
                        "nothing to fail into itself.")
        if unreserved_because is not None:
            skip_check(self.function, "CKV_AWS_115", unreserved_because)
        acknowledge(self.function, "AwsSolutions-L1",
                    "Python 3.12 is deliberate: it is the oldest runtime on Amazon Linux 2023, whose glibc the "
                    "manylinux_2_28 pyarrow wheels need, and the closest to the 3.11 the test suite runs on; a "
                    "newer runtime follows when the tests run on that Python.")
        finish_function(self.function, self.role)
