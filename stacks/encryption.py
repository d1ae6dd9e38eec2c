"""Customer-managed KMS keys: one per stack that stores data, rotated yearly, kept when a stack is deleted
(data encrypted under a deleted key is lost for good); and the one way to let a service use such a key."""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


def data_key(scope: Construct, construct_id: str, description: str) -> kms.Key:
    return kms.Key(
        scope, construct_id,
        description=description,
        enable_key_rotation=True,
        rotation_period=Duration.days(365),
        pending_window=Duration.days(30),
        removal_policy=RemovalPolicy.RETAIN,
    )


def via_service(service: str) -> dict[str, dict[str, str]]:
    """The condition that limits a key permission to requests made through one AWS service in this region."""
    return {"StringEquals": {"kms:ViaService": f"{service}.{Aws.REGION}.amazonaws.com"}}


def grant_key_via(grantee: iam.IGrantable, key: kms.IKey, service: str, *actions: str) -> None:
    """Let `grantee` use `key` for `actions`, only through `service` (S3, SQS, SNS, DynamoDB)."""
    grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
        actions=sorted(actions), resources=[key.key_arn], conditions=via_service(service),
    ))


# What CloudWatch Logs does with a log group's key (CloudWatch Logs User Guide, "Encrypt log data in CloudWatch
# Logs using AWS KMS").
LOGS_KEY_ACTIONS = ("kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*")


def allow_cloudwatch_logs(key: kms.Key, sid: str, log_groups: str) -> None:
    """Let CloudWatch Logs of this region use `key` for the log groups named `log_groups` (one name, or a pattern
    ending in `*`) and no others: the log group is named up front, as its ARN would otherwise depend on the key."""
    key.add_to_resource_policy(iam.PolicyStatement(
        sid=sid,
        principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
        actions=list(LOGS_KEY_ACTIONS),
        resources=["*"],
        conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": Stack.of(key).format_arn(
            service="logs", resource="log-group", arn_format=ArnFormat.COLON_RESOURCE_NAME,
            resource_name=log_groups)}},
    ))
