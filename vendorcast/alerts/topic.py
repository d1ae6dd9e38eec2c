"""The one way vendorcast sends a message: `TopicPublisher.publish` of an `SnsMessage` to one SNS topic, its subject
made to SNS's rules. Alert digests (alert topic) and operator alerts (ops topic) both go through it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# SNS: subjects are ASCII, one line, under 100 characters; a whole message is at most 256 KiB.
SUBJECT_LIMIT = 99
MESSAGE_LIMIT_BYTES = 256 * 1024


def sns_subject(text: str) -> str:
    """`text` as SNS accepts a subject (SNS refuses the whole publish otherwise): ASCII, one line, cut with "..."."""
    subject = text.encode("ascii", "replace").decode("ascii").replace("\r", " ").replace("\n", " ")
    return subject if len(subject) <= SUBJECT_LIMIT else subject[: SUBJECT_LIMIT - 3] + "..."


@dataclass(frozen=True)
class SnsMessage:
    """The arguments of one sns.publish."""

    subject: str
    message: str
    # "json": `message` is a JSON object of protocol -> text (SNS delivers each subscriber its protocol's text).
    message_structure: str | None = None

    def protocol_text(self, protocol: str) -> str:
        """What a subscriber of `protocol` receives (SNS falls back to `default`)."""
        if self.message_structure != "json":
            return self.message
        structure = json.loads(self.message)
        return structure.get(protocol, structure["default"])


@dataclass
class TopicPublisher:
    topic_arn: str
    sns: Any  # boto3 SNS client

    def publish(self, message: SnsMessage) -> str:
        """Publish one message; returns its SNS message id."""
        arguments = {"TopicArn": self.topic_arn, "Subject": sns_subject(message.subject), "Message": message.message}
        if message.message_structure:
            arguments["MessageStructure"] = message.message_structure
        return str(self.sns.publish(**arguments)["MessageId"])


__all__ = ["MESSAGE_LIMIT_BYTES", "SUBJECT_LIMIT", "SnsMessage", "TopicPublisher", "sns_subject"]
