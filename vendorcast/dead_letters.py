"""Dead-lettering a message that keeps failing, with its reason attached, for every SQS consumer of vendorcast
(the queues' redrive policies are the backstop when a consumer cannot)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

FAILURE_REASON_ATTRIBUTE = "vendorcast_failure_reason"
SOURCE_MESSAGE_ID_ATTRIBUTE = "source_message_id"
RECEIVE_COUNT_ATTRIBUTE = "receive_count"
# What dead_letter attaches; a redrive sends the message back without them.
DEAD_LETTER_ATTRIBUTES = (FAILURE_REASON_ATTRIBUTE, SOURCE_MESSAGE_ID_ATTRIBUTE, RECEIVE_COUNT_ATTRIBUTE)


def dead_letter(sqs: Any, dlq_url: str | None, body: str, message_id: str, reason: str, receive_count: int) -> None:
    """Move a message to the dead-letter queue with why it failed and how often it was received."""
    if not dlq_url:
        raise RuntimeError(f"message {message_id} failed for good ({reason}) and no DLQ is configured")
    sqs.send_message(
        QueueUrl=dlq_url, MessageBody=body,
        MessageAttributes={
            FAILURE_REASON_ATTRIBUTE: {"DataType": "String", "StringValue": reason[:4000]},
            SOURCE_MESSAGE_ID_ATTRIBUTE: {"DataType": "String", "StringValue": message_id},
            RECEIVE_COUNT_ATTRIBUTE: {"DataType": "Number", "StringValue": str(receive_count)},
        },
    )
    log.error("message %s moved to the dead-letter queue: %s", message_id, reason)
