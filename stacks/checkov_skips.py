"""checkov (the second IaC scanner, run on the synthesized templates by tests/infra) and the one way to skip one
of its checks: on the resource it concerns, in that resource's template metadata, with the reason it does not
apply there."""

from __future__ import annotations

from aws_cdk import CfnResource
from constructs import IConstruct

# checkov reads `Metadata: {checkov: {skip: [{id, comment}]}}` on a CloudFormation resource.
CHECKOV_METADATA_KEY = "checkov"


def skip_check(construct: IConstruct, check_id: str, reason: str) -> None:
    """`check_id` as checkov names it (`CKV_AWS_117`), on `construct`'s CloudFormation resource (an L2's
    default child)."""
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource of its own to skip {check_id} on")
    metadata = resource.get_metadata(CHECKOV_METADATA_KEY) or {}
    skips = [skip for skip in metadata.get("skip", []) if skip["id"] != check_id]
    resource.add_metadata(CHECKOV_METADATA_KEY, {**metadata, "skip": [*skips, {"id": check_id, "comment": reason}]})
