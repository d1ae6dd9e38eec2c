"""A fresh AWS emulator per test with Step Functions executing for real, and an SQS queue subscribed to the
alert topic that shows what the workflow e-mailed."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from vendorcast import resources as r
from vendorcast.config import parse_config
from vendorcast.local.aws import LocalAws
from vendorcast.local.stepfunctions import LocalStepFunctions


@dataclass
class AlertInbox:
    """What reached the alert topic, through an SQS subscription (SNS's envelope keeps the subject)."""

    aws: LocalAws
    queue_url: str

    def messages(self) -> list[dict[str, Any]]:
        sqs = self.aws.client("sqs")
        received = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [{"subject": body.get("Subject"), "message": body["Message"]}
                for body in (json.loads(m["Body"]) for m in received)]


@pytest.fixture
def local_aws() -> Iterator[LocalAws]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    aws = LocalAws.start()
    aws.create_resources(parse_config({"accounts": [{
        "name": "acme-us", "region": "NA", "marketplace_ids": ["ATVPDKIKX0DER"],
        "secret_name": "vendorcast/acme-us/spapi", "backfill_start": "2026-01-04"}]}), {})
    yield aws
    aws.stop()


@pytest.fixture
def step_functions(local_aws: LocalAws) -> Iterator[LocalStepFunctions]:
    with LocalStepFunctions(local_aws) as sfn:
        yield sfn


@pytest.fixture
def alert_inbox(local_aws: LocalAws) -> AlertInbox:
    sqs = local_aws.client("sqs")
    queue_url = sqs.create_queue(QueueName="alert-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    local_aws.client("sns").subscribe(TopicArn=local_aws.alert_topic_arn, Protocol="sqs", Endpoint=queue_arn)
    assert local_aws.alert_topic_arn.endswith(f":{r.ALERT_TOPIC}")
    return AlertInbox(local_aws, queue_url)
