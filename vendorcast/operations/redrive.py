"""`vendorcast redrive`: each message of a queue's dead-letter queue with why it failed, sent back to the queue it
came from. Its consumer handles it as any other message; one that fails again is dead-lettered again with its new
reason (vendorcast.dead_letters). Every consumer is idempotent, so a message sent back twice changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from vendorcast.dead_letters import (
    DEAD_LETTER_ATTRIBUTES,
    FAILURE_REASON_ATTRIBUTE,
    RECEIVE_COUNT_ATTRIBUTE,
    SOURCE_MESSAGE_ID_ATTRIBUTE,
)
from vendorcast.operations.deployment import DeploymentNotFound, OperatorContext

# The messages read are hidden from other readers this long while the command works on them.
READING_VISIBILITY_SECONDS = 120
SQS_BATCH = 10  # the most ReceiveMessage returns at once


@dataclass(frozen=True)
class DeadLetter:
    message_id: str  # of the message on the dead-letter queue
    source_message_id: str | None  # of the message that failed, when the consumer dead-lettered it
    reason: str
    receive_count: int | None  # receives before it was dead-lettered
    body: str


@dataclass
class RedriveResult:
    queue: str
    dead_letter_queue_url: str
    dry_run: bool
    messages: list[DeadLetter] = field(default_factory=list)
    sent_back: int = 0
    left: int = 0  # still on the dead-letter queue afterwards


def queue_depth(sqs: Any, queue_url: str) -> int:
    """Messages waiting, in flight or delayed (SQS's approximate counts)."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                            "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return sum(int(value) for value in attributes.values())


def dead_letter_queue_url(sqs: Any, queue_url: str) -> str:
    """The dead-letter queue of a queue, from its redrive policy (the queues' own record of where failures go)."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]
    if "RedrivePolicy" not in attributes:
        raise DeploymentNotFound(f"queue {queue_url} has no dead-letter queue (no redrive policy)")
    arn = json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"]
    _, _, _, _, owner, name = arn.split(":", 5)
    return sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=owner)["QueueUrl"]


def _dead_letter(message: dict[str, Any]) -> DeadLetter:
    attributes = message.get("MessageAttributes", {})

    def value(name: str) -> str | None:
        return attributes[name]["StringValue"] if name in attributes else None

    count = value(RECEIVE_COUNT_ATTRIBUTE)
    reason = value(FAILURE_REASON_ATTRIBUTE) or (
        "no reason recorded: SQS moved it after the queue's maximum receives (the consumer crashed or timed out; "
        "its log has the error)")
    return DeadLetter(message["MessageId"], value(SOURCE_MESSAGE_ID_ATTRIBUTE), reason,
                      int(count) if count else None, message["Body"])


def redrive(ctx: OperatorContext, queue: str, *, dry_run: bool = False, max_messages: int | None = None,
            ) -> RedriveResult:
    """Read up to `max_messages` (default: all) of the queue's dead letters and, unless `dry_run`, send each back to
    the queue without the failure's attributes, then delete it from the dead-letter queue."""
    sqs = ctx.client("sqs")
    queue_url = ctx.deployment.queue_url(queue)
    result = RedriveResult(queue, dead_letter_queue_url(sqs, queue_url), dry_run)
    received: list[dict[str, Any]] = []
    while max_messages is None or len(received) < max_messages:
        wanted = SQS_BATCH if max_messages is None else min(SQS_BATCH, max_messages - len(received))
        batch = sqs.receive_message(QueueUrl=result.dead_letter_queue_url, MaxNumberOfMessages=wanted,
                                    VisibilityTimeout=READING_VISIBILITY_SECONDS, WaitTimeSeconds=1,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            break
        received += batch
    for message in received:
        result.messages.append(_dead_letter(message))
        if dry_run:
            continue
        # Sent back before it is deleted: a crash in between leaves a duplicate, which the consumer ignores.
        kept = {name: attribute for name, attribute in message.get("MessageAttributes", {}).items()
                if name not in DEAD_LETTER_ATTRIBUTES}
        sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"],
                         **({"MessageAttributes": kept} if kept else {}))
        sqs.delete_message(QueueUrl=result.dead_letter_queue_url, ReceiptHandle=message["ReceiptHandle"])
        result.sent_back += 1
    if dry_run:
        # Shown, not moved: visible again at once.
        for message in received:
            sqs.change_message_visibility(QueueUrl=result.dead_letter_queue_url,
                                          ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    result.left = queue_depth(sqs, result.dead_letter_queue_url)
    return result
