"""A fresh AWS emulator per test with Step Functions executing for real, an SQS queue subscribed to the alert
topic that shows what the workflow e-mailed, and small stand-ins for the forecast workflow's functions."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from vendorcast import resources as r
from vendorcast.config import parse_config
from vendorcast.local.aws import LocalAws
from vendorcast.local.lambdas import LocalLambdaContext
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


def transient() -> Exception:
    """What a function raises when S3 stops answering after botocore's own retries."""
    return ReadTimeoutError(endpoint_url="https://s3.us-east-1.amazonaws.com/lake")


class TinyWorkflow:
    """The six workflow functions as small handlers that record each event and answer with the shapes the
    definition passes on. `fail[function]` lists what its successive calls raise (None: answer normally)."""

    def __init__(self, shards: int = 3, distributed: bool = False, below_target: int = 0) -> None:
        self.shards = shards
        self.distributed = distributed
        self.below_target = below_target
        self.calls: dict[str, list[Any]] = defaultdict(list)
        self.fail: dict[str, list[Exception | None]] = {}

    def handlers(self) -> dict[str, Any]:
        answers = {"forecast_prepare": self.prepare, "forecast_train": self.train, "forecast_shard": self.shard,
                   "forecast_publish": self.publish, "forecast_plan": self.plan,
                   "forecast_record_failure": self.record_failure}
        return {function: self._handler(function, answer) for function, answer in answers.items()}

    def _handler(self, function: str, answer: Any) -> Any:
        def handler(event: Any, context: LocalLambdaContext) -> Any:
            self.calls[function].append(event)
            planned = self.fail.get(function)
            error = planned.pop(0) if planned else None
            if error is not None:
                raise error
            return answer(event)
        return handler

    def prepare(self, event: dict[str, Any]) -> dict[str, Any]:
        return {"run_id": event["run_id"], "origin": event["origin"], "horizon": event.get("horizon", 12),
                "shards": [{"index": i, "items": 4} for i in range(self.shards)], "distributed": self.distributed}

    def train(self, event: dict[str, Any]) -> dict[str, Any]:
        return {"models": ["seasonal_naive", "lightgbm"], "key": f"forecast/_runs/{event['run']['run_id']}/model"}

    def shard(self, event: dict[str, Any]) -> dict[str, Any]:
        return {"index": event["shard"]["index"], "items": event["shard"]["items"]}

    def publish(self, event: dict[str, Any]) -> dict[str, Any]:
        items = sum(shard["items"] for shard in event["shards"])
        return {"subject": f"vendorcast forecast {event['run']['run_id']}: {items} items",
                "message": f"{items} items forecast from {event['run']['origin']}", "items": items}

    def plan(self, event: dict[str, Any]) -> dict[str, Any]:
        run_id = event["run"]["run_id"]
        alert = {"subject": f"vendorcast plan {run_id}: {self.below_target} below target",
                 "message": f"{self.below_target} ASINs below the fill target"} if self.below_target else None
        return {"summary": {"asins_planned": 12, "below_target": self.below_target},
                "digest": {"subject": f"vendorcast plan {run_id}", "message": "start 100 units"},
                "alert": alert, "below_target": self.below_target}

    def record_failure(self, event: dict[str, Any]) -> dict[str, Any]:
        return {"subject": f"vendorcast forecast failed in {event['failed_state']}",
                "message": f"{event['run_id']}: {event['failure']['Error']}"}


@pytest.fixture
def tiny_workflow() -> type[TinyWorkflow]:
    return TinyWorkflow


@pytest.fixture
def transient_error() -> Exception:
    return transient()
