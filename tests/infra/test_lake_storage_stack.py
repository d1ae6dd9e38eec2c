"""The lake storage stack's template: zones and lifecycle, bucket security, Glue database, Athena workgroup."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Match

from stacks.lake_storage import (
    ATHENA_BYTES_SCANNED_CUTOFF,
    athena_workgroup_name,
    lake_bucket_name,
    lake_database_name,
)
from vendorcast import resources as r

if TYPE_CHECKING:
    from conftest import Synthesized

# The longest AWS region names (ap-southeast-4 and the like) have 14 characters.
LONGEST_REGION = "ap-southeast-4"


def _stack(synthesized: Synthesized) -> str:
    return synthesized.stacks.lake.stack_name


def _bucket(synthesized: Synthesized, construct: Any) -> dict[str, Any]:
    logical_id = synthesized.stacks.lake.get_logical_id(construct.node.default_child)
    return synthesized.resources(_stack(synthesized), "AWS::S3::Bucket")[logical_id]["Properties"]


def test_landing_zone_moves_to_infrequent_access_after_30_days(synthesized: Synthesized) -> None:
    rules = _bucket(synthesized, synthesized.stacks.lake.lake)["LifecycleConfiguration"]["Rules"]
    landing = [rule for rule in rules if rule.get("Prefix") == f"{r.LANDING_PREFIX}/"]
    assert landing == [{
        "Id": "landing-to-infrequent-access", "Prefix": "landing/", "Status": "Enabled",
        "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}],
    }]


def test_lake_bucket_is_versioned_encrypted_and_logged(synthesized: Synthesized) -> None:
    lake = synthesized.stacks.lake
    properties = _bucket(synthesized, lake.lake)
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [lake.get_logical_id(lake.key.node.default_child), "Arn"]},
    }
    assert properties["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": lake.get_logical_id(lake.access_logs.node.default_child)},
        "LogFilePrefix": "lake/",
    }


def test_every_bucket_is_private_and_tls_only(synthesized: Synthesized) -> None:
    template = synthesized.template(_stack(synthesized))
    buckets = synthesized.resources(_stack(synthesized), "AWS::S3::Bucket")
    assert len(buckets) == 3
    for logical_id, bucket in buckets.items():
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True}
        assert bucket["Properties"]["BucketEncryption"]
        assert bucket["DeletionPolicy"] == "Retain"
        template.has_resource_properties("AWS::S3::BucketPolicy", {
            "Bucket": {"Ref": logical_id},
            "PolicyDocument": {"Statement": Match.array_with([Match.object_like({
                "Effect": "Deny", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            })])},
        })


def test_athena_workgroup_is_enforced_v3_encrypted_and_bounded(synthesized: Synthesized) -> None:
    lake = synthesized.stacks.lake
    synthesized.template(_stack(synthesized)).has_resource_properties("AWS::Athena::WorkGroup", {
        "Name": athena_workgroup_name("Vendorcast"),
        "State": "ENABLED",
        "WorkGroupConfiguration": {
            "EnforceWorkGroupConfiguration": True,
            "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
            "BytesScannedCutoffPerQuery": ATHENA_BYTES_SCANNED_CUTOFF,
            "PublishCloudWatchMetricsEnabled": True,
            "ResultConfiguration": Match.object_like({
                "ExpectedBucketOwner": {"Ref": "AWS::AccountId"},
                "EncryptionConfiguration": {
                    "EncryptionOption": "SSE_KMS",
                    "KmsKey": {"Fn::GetAtt": [lake.get_logical_id(lake.key.node.default_child), "Arn"]},
                },
                "OutputLocation": {"Fn::Join": ["", [
                    "s3://", {"Ref": lake.get_logical_id(lake.athena_results.node.default_child)}, "/"]]},
            }),
        },
    })


def test_glue_database_points_at_the_curated_zone(synthesized: Synthesized) -> None:
    (database,) = synthesized.resources(_stack(synthesized), "AWS::Glue::Database").values()
    database_input = database["Properties"]["DatabaseInput"]
    assert database_input["Name"] == "vendorcast_lake"
    assert database_input["LocationUri"]["Fn::Join"][1][-1] == f"/{r.CURATED_PREFIX}/"


def _deployed_name(value: str) -> str:
    """The name CloudFormation makes of `value` in account 123456789012 and the longest region name."""
    resolved = Stack(App()).resolve(value)
    pseudo = {"AWS::AccountId": "123456789012", "AWS::Region": LONGEST_REGION}
    return "".join(pseudo[part["Ref"]] if isinstance(part, dict) else part for part in resolved["Fn::Join"][1])


@pytest.mark.parametrize(("prefix", "database"), [
    ("Vendorcast", "vendorcast_lake"), ("Acme-US", "acme_us_lake"), ("A" * 30, "a" * 30 + "_lake"),
])
def test_names_derived_from_any_prefix_are_valid(prefix: str, database: str) -> None:
    assert lake_database_name(prefix) == database
    bucket = _deployed_name(lake_bucket_name(prefix))
    assert len(bucket) <= 63
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*[a-z0-9]", bucket)
