"""The alerts stack's template (encrypted topics, e-mail subscriptions from the config) and the config's
[alerts] section that drives it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk.assertions import Match

from vendorcast.config import ConfigError, parse_config

if TYPE_CHECKING:
    from conftest import Synthesized


def test_topics_are_encrypted_and_tls_only(synthesized: Synthesized) -> None:
    alerts = synthesized.stacks.alerts
    stack = alerts.stack_name
    key = {"Fn::GetAtt": [alerts.get_logical_id(alerts.key.node.default_child), "Arn"]}
    topics = synthesized.resources(stack, "AWS::SNS::Topic")
    assert len(topics) == 2
    assert all(topic["Properties"]["KmsMasterKeyId"] == key for topic in topics.values())
    template = synthesized.template(stack)
    for logical_id in topics:
        template.has_resource_properties("AWS::SNS::TopicPolicy", {
            "Topics": [{"Ref": logical_id}],
            "PolicyDocument": {"Statement": Match.array_with([Match.object_like({
                "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])},
        })
    # Alarms publish to the ops topic: CloudWatch must be able to use the topics' key.
    template.has_resource_properties("AWS::KMS::Key", {
        "KeyPolicy": {"Statement": Match.array_with([Match.object_like({
            "Principal": {"Service": "cloudwatch.amazonaws.com"}})])},
    })


def test_every_recipient_is_subscribed_to_both_topics(synthesized: Synthesized) -> None:
    emails = synthesized.config.alerts.emails
    assert emails
    alerts = synthesized.stacks.alerts
    subscriptions = synthesized.resources(alerts.stack_name, "AWS::SNS::Subscription").values()
    pairs = {(s["Properties"]["Endpoint"], s["Properties"]["TopicArn"]["Ref"]) for s in subscriptions
             if s["Properties"]["Protocol"] == "email"}
    topics = {alerts.get_logical_id(t.node.default_child) for t in (alerts.alert_topic, alerts.ops_topic)}
    assert pairs == {(email, topic) for email in emails for topic in topics}


def test_alerts_are_optional(example_config_data: dict[str, Any]) -> None:
    config = parse_config({**example_config_data, "alerts": {}})
    assert config.alerts.emails == []
    assert config.alerts.no_report_landed_days == 7


@pytest.mark.parametrize(("alerts", "message"), [
    ({"emails": ["ops.acme.example"]}, "alerts.emails: 'ops.acme.example' is not an e-mail address"),
    ({"emails": ["a@acme.example", "A@acme.example"]}, "alerts.emails: e-mail addresses listed twice"),
    ({"no_report_landed_days": 8}, "alerts.no_report_landed_days: Input should be less than or equal to 7"),
    ({"email": ["a@acme.example"]}, "alerts.email: unknown setting"),
])
def test_bad_alerts_name_the_field(example_config_data: dict[str, Any], alerts: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config({**example_config_data, "alerts": alerts})
