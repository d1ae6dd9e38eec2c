"""cdk-nag's AWS Solutions checks on every synth, and the one way to acknowledge a finding: on the resource
it concerns, with the reason it is acceptable there."""

from __future__ import annotations

import json

import jsii
from aws_cdk import Acknowledgment, App, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct, IValidation

NAG_PACK = "AwsSolutions"


def check_aws_solutions(app: App) -> None:
    """A finding that is not acknowledged stops the synth (CDK's policy-validation report names it)."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """`rule` as cdk-nag names it (`AwsSolutions-S1`, `AwsSolutions-IAM5[Resource::...]`); CDK scopes it to the
    plugin that reports it."""
    Validations.of(construct).acknowledge(Acknowledgment(id=f"{NAG_PACK}::{rule}", reason=reason))


def _flatten(node: object) -> str:
    """A resolved CloudFormation value as cdk-nag writes it into a finding (cdk-nag 3's flattenCfnReference):
    joins joined, Ref and GetAtt as <...>, anything else (a cross-stack output) as compact JSON."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if node.get("Fn::Join"):
            delimiter, items = node["Fn::Join"]
            return delimiter.join(_flatten(item) for item in items)
        if node.get("Fn::Sub"):
            return _flatten(node["Fn::Sub"])
        if node.get("Fn::GetAtt"):
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if node.get("Fn::ImportValue"):
            return _flatten(node["Fn::ImportValue"])
        if node.get("Ref"):
            return f"<{_flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


@jsii.implements(IValidation)
class _WildcardAcknowledgment:
    """Acknowledges a wildcard resource once the app is prepared for synthesis: only then does a reference to
    another stack's resource take the form cdk-nag reports (that stack's output). CDK validates every construct
    after preparing the app and before the policy checks run."""

    def __init__(self, construct: IConstruct, resource: str, reason: str) -> None:
        self.construct, self.resource, self.reason = construct, resource, reason

    def validate(self) -> list[str]:
        rendered = _flatten(Stack.of(self.construct).resolve(self.resource))
        acknowledge(self.construct, f"AwsSolutions-IAM5[Resource::{rendered}]", self.reason)
        return []


def acknowledge_wildcard_resource(construct: IConstruct, resource: str, reason: str) -> None:
    """Acknowledge AwsSolutions-IAM5 for one resource pattern, as it goes into the policy (with this stack's
    tokens, or a reference to another stack's resource)."""
    construct.node.add_validation(_WildcardAcknowledgment(construct, resource, reason))
