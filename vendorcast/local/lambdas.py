"""The Lambda handlers, called in-process with the event shapes AWS sends (EventBridge scheduled events,
SQS batches with partial-batch responses), the way the AWS services would call them."""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from vendorcast.local.aws import REGION

log = logging.getLogger(__name__)

ACCOUNT = "123456789012"


@dataclass
class LocalLambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str
    timeout_seconds: float = 900.0
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


def load_handler(function: str) -> ModuleType:
    """Import (afresh) lambdas/<function>/handler.py, so module-level clients see the current environment."""
    module = importlib.import_module(f"lambdas.{function}.handler")
    return importlib.reload(module)


def load_handler_instance(function: str, instance: int) -> ModuleType:
    """A separate copy of lambdas/<function>/handler.py with its own module state, as each concurrent execution
    environment of a Lambda function has its own (Powertools' batch processor, cached clients)."""
    path = Path(importlib.import_module(f"lambdas.{function}").__file__).parent / "handler.py"
    spec = importlib.util.spec_from_file_location(f"lambdas.{function}.handler_environment_{instance}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scheduled_event(rule: str, now: datetime) -> dict[str, Any]:
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": ACCOUNT, "time": now.isoformat(timespec="seconds").replace("+00:00", "Z"), "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"], "detail": {},
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS batch as Lambda's event source mapping delivers it, from sqs.receive_message output."""
    return {"Records": [
        {
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
            "attributes": {
                "ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1"),
                "SentTimestamp": m.get("Attributes", {}).get("SentTimestamp", "0"),
                "SenderId": ACCOUNT,
                "ApproximateFirstReceiveTimestamp": m.get("Attributes", {}).get(
                    "ApproximateFirstReceiveTimestamp", "0"),
            },
            "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn, "awsRegion": REGION,
        }
        for m in messages
    ]}


class SqsEventSource:
    """Lambda's SQS event source mapping: receive a batch, invoke, delete what succeeded."""

    def __init__(self, sqs: Any, queue_url: str, handler: ModuleType, function_name: str, batch_size: int = 10):
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.function_name = function_name
        self.batch_size = batch_size
        # (received message ids, failed message ids) per invocation, for whoever watches the run.
        self.batches: list[tuple[list[str], list[str]]] = []
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
        self.queue_arn = attributes["QueueArn"]

    def poll_once(self, wait_seconds: int = 0) -> int:
        """One receive + invoke; returns how many messages were received."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size, WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        try:
            response = self.handler.handler(sqs_event(messages, self.queue_arn),
                                            LocalLambdaContext(self.function_name))
        except Exception:
            # A failed invocation returns the whole batch to the queue, as Lambda's poller does.
            log.exception("%s failed; its %d message(s) return to the queue", self.function_name, len(messages))
            response = {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages]}
        failed = {item["itemIdentifier"] for item in (response or {}).get("batchItemFailures", [])}
        self.batches.append(([m["MessageId"] for m in messages], sorted(failed)))
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
            ])
        return len(messages)


def invoke_scheduled(handler: ModuleType, function_name: str, now: datetime) -> Any:
    return invoke_handler(handler, function_name, scheduled_event(f"{function_name}-schedule", now))


def invoke_handler(handler: ModuleType, function_name: str, event: dict[str, Any]) -> Any:
    """Invoke a handler with `event` (a schedule rule with a constant input delivers that input as the event); the
    reply as JSON would carry it."""
    result = handler.handler(event, LocalLambdaContext(function_name))
    return json.loads(json.dumps(result, default=str))
