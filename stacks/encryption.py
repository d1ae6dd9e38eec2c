"""Customer-managed KMS keys: one per stack that stores data, rotated yearly, kept when a stack is deleted
(data encrypted under a deleted key is lost for good)."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
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
