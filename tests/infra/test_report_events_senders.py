"""The report-events queue allows SP-API's notification sender of each region the config's accounts are in, and
nobody for a region whose sender Amazon does not publish (those accounts rely on poll_reports)."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from stacks.report_events import ReportEventsQueue
from vendorcast.resources import SPAPI_NOTIFICATION_PRINCIPAL_ACCOUNTS, notification_sender_accounts


def _statements(sender_accounts: list[str]) -> tuple[list[dict], list[dict]]:
    stack = Stack(App(), "Queue")
    ReportEventsQueue(stack, "ReportEvents", key=kms.Key(stack, "Key"), consumer_timeout=Duration.minutes(5),
                      sender_accounts=sender_accounts)
    template = Template.from_stack(stack).to_json()["Resources"]
    queue_policy = [s for r in template.values() if r["Type"] == "AWS::SQS::QueuePolicy"
                    for s in r["Properties"]["PolicyDocument"]["Statement"]]
    key_policy = [s for r in template.values() if r["Type"] == "AWS::KMS::Key"
                  for s in r["Properties"]["KeyPolicy"]["Statement"]]
    return queue_policy, key_policy


def _senders(statements: list[dict]) -> set[str]:
    return {str(s["Principal"]["AWS"]) for s in statements if s.get("Sid", "").startswith("AllowSellingPartnerApi")}


@pytest.mark.parametrize(("regions", "expected"), [
    (["NA"], {"arn:aws:iam::437568002678:root"}),
    (["NA", "EU", "FE"], {"arn:aws:iam::437568002678:root"}),
    (["EU", "FE"], set()),
])
def test_the_queue_allows_the_sender_of_each_region(regions: list[str], expected: set[str]) -> None:
    queue_policy, key_policy = _statements(notification_sender_accounts(regions))
    assert _senders(queue_policy) == expected
    assert _senders(key_policy) == expected


def test_every_region_is_named_with_its_sender_or_none() -> None:
    assert set(SPAPI_NOTIFICATION_PRINCIPAL_ACCOUNTS) == {"NA", "EU", "FE"}
    assert notification_sender_accounts(["NA", "NA"]) == ["437568002678"]
