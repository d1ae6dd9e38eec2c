"""cdk-nag's AWS Solutions checks on every synth, and the one way to acknowledge a finding: on the resource
it concerns, with the reason it is acceptable there."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Aws, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

NAG_PACK = "AwsSolutions"


def check_aws_solutions(app: App) -> None:
    """A finding that is not acknowledged stops the synth (CDK's policy-validation report names it)."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """`rule` as cdk-nag names it (`AwsSolutions-S1`, `AwsSolutions-IAM5[Resource::...]`); CDK scopes it to the
    plugin that reports it."""
    Validations.of(construct).acknowledge(Acknowledgment(id=f"{NAG_PACK}::{rule}", reason=reason))


# How cdk-nag writes CloudFormation pseudo parameters inside the resource of a finding.
_NAG_PSEUDO_PARAMETERS = {
    Aws.PARTITION: "<AWS::Partition>",
    Aws.ACCOUNT_ID: "<AWS::AccountId>",
    Aws.REGION: "<AWS::Region>",
}


def acknowledge_wildcard_resource(construct: IConstruct, resource: str, reason: str) -> None:
    """Acknowledge AwsSolutions-IAM5 for one resource pattern (an ARN built from pseudo parameters only)."""
    for token, rendered in _NAG_PSEUDO_PARAMETERS.items():
        resource = resource.replace(token, rendered)
    acknowledge(construct, f"AwsSolutions-IAM5[Resource::{resource}]", reason)
