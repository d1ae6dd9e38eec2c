"""Every message vendorcast sends goes through one SNS publish: checked against moto's SNS, which records what a
topic received. A subject SNS would refuse (non-ASCII, several lines, too long) is made acceptable, not lost."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from vendorcast.alerts.digest import AlertDigest, ConditionAlert, ConditionItem, ConditionKind
from vendorcast.alerts.operator import OperatorAlerts
from vendorcast.alerts.publisher import AlertPublisher
from vendorcast.alerts.render import render_email
from vendorcast.alerts.topic import SUBJECT_LIMIT, TopicPublisher

REGION = "us-east-1"


@pytest.fixture
def sns() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("sns", region_name=REGION)
        yield client, client.create_topic(Name="vendorcast-test")["TopicArn"]


def received(topic_arn: str) -> list[tuple[str, str | None, str]]:
    """(message id, subject, message) of each publish the topic received."""
    topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[topic_arn]
    return [(message_id, subject, message) for message_id, message, subject, _, _ in topic.sent_notifications]


def test_an_operator_alert_with_a_subject_sns_would_refuse_is_sent_with_one_it_accepts(sns) -> None:
    client, topic_arn = sns
    subject = "vendorcast: GET_VENDOR_SALES_REPORT failed for acme-de (Müller GmbH)\nsecond line " + "x" * 80
    OperatorAlerts(TopicPublisher(topic_arn, client)).send(subject, "Amazon said: no role Brand Analytics")
    [(_, sent_subject, message)] = received(topic_arn)
    assert sent_subject.isascii() and "\n" not in sent_subject and len(sent_subject) <= SUBJECT_LIMIT
    assert sent_subject.startswith("vendorcast: GET_VENDOR_SALES_REPORT failed for acme-de (M?ller GmbH) second")
    assert sent_subject.endswith("...")
    assert message == "Amazon said: no role Brand Analytics"


def test_a_digest_is_one_message_per_protocol_through_the_same_publish(sns) -> None:
    client, topic_arn = sns
    condition = ConditionAlert(ConditionKind.OUT_OF_STOCK, "acme-us", "ATVPDKIKX0DER", "1 ASIN out of stock",
                               (ConditionItem("B0C1234567", "Steel Bottle", "5% -> 25%"),))
    digest = AlertDigest("batch-1", datetime(2026, 4, 7, tzinfo=UTC), conditions=(condition,))
    message_id = AlertPublisher(TopicPublisher(topic_arn, client)).publish(digest)
    [(sent_id, subject, message)] = received(topic_arn)
    assert sent_id == message_id
    assert subject == "vendorcast: 1 ASIN out of stock"
    # MessageStructure=json: e-mail subscribers get the rendered e-mail, every other protocol the compact JSON.
    structure = json.loads(message)
    assert structure["email"] == render_email(digest)
    assert json.loads(structure["default"])["conditions"][0]["items"][0]["key"] == "B0C1234567"


def test_a_digest_with_nothing_to_tell_sends_nothing(sns) -> None:
    client, topic_arn = sns
    empty = AlertDigest("batch-2", datetime(2026, 4, 7, tzinfo=UTC))
    assert AlertPublisher(TopicPublisher(topic_arn, client)).publish(empty) is None
    assert received(topic_arn) == []
