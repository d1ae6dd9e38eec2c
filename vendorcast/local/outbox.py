"""SNS's e-mail protocol in the embedded runtime: every message published to a topic with e-mail subscribers becomes
a real `.eml` file in an outbox folder, with what SNS would mail (the `email` text of a MessageStructure=json
message, else the message itself; the subject; the topic's display name as sender).

moto records what each topic was published (SNSBackend's `sent_notifications`, the way moto documents for checking
publishes) but delivers no e-mail; its server runs in this process (vendorcast.local.aws), so the record is read
from its backend."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

from moto.sns.models import sns_backends

from vendorcast.clock import Clock
from vendorcast.local.aws import REGION, LocalAws
from vendorcast.local.lambdas import ACCOUNT

SNS_SENDER = "no-reply@sns.amazonaws.com"
# RFC 5322's line limit: folding at the customary 78 puts a long subject on a line of its own, which Python's own
# parser then reads back with a leading space.
_POLICY = SMTP.clone(max_line_length=998)
# SNS's subject when a publish has none.
DEFAULT_SUBJECT = "AWS Notification Message"
FOOTER = ("\n--\nDelivered by the vendorcast embedded runtime in place of Amazon SNS's e-mail protocol "
          "(topic {topic}).\n")


@dataclass(frozen=True)
class PublishedMessage:
    """One sns.publish to a topic, as moto recorded it."""

    message_id: str
    subject: str | None
    message: str

    def structure(self) -> dict[str, str]:
        """The per-protocol texts of a MessageStructure=json message."""
        return dict(json.loads(self.message))


def published_messages(topic_arn: str) -> list[PublishedMessage]:
    """Everything published to a topic of the in-process AWS emulator, oldest first."""
    topic = sns_backends[ACCOUNT][REGION].topics[topic_arn]
    return [PublishedMessage(message_id, subject, message)
            for message_id, message, subject, _, _ in list(topic.sent_notifications)]


@dataclass(frozen=True)
class DeliveredEmail:
    path: Path
    topic_arn: str
    message_id: str
    subject: str
    recipients: tuple[str, ...]


def email_text(message: str) -> str:
    """What an e-mail subscriber gets: the `email` (else `default`) text of a MessageStructure=json message, or the
    message itself. (moto's record lacks the MessageStructure flag: a JSON object of texts with a `default` key is
    what SNS requires of a structured message.)"""
    try:
        structure = json.loads(message)
    except ValueError:
        return message
    if isinstance(structure, dict) and isinstance(structure.get("default"), str) and all(
            isinstance(v, str) for v in structure.values()):
        return str(structure.get("email", structure["default"]))
    return message


class EmailOutbox:
    """Delivers each published message once, to the topic's e-mail subscribers, as one .eml file."""

    def __init__(self, directory: Path, aws: LocalAws, clock: Clock) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._aws = aws
        self._clock = clock
        self._delivered: set[str] = set()
        self.emails: list[DeliveredEmail] = []

    def deliver(self) -> list[DeliveredEmail]:
        """Write the messages published since the last call; returns them."""
        sns = self._aws.client("sns")
        backend: Any = sns_backends[ACCOUNT][REGION]
        new = []
        for topic_arn, topic in list(backend.topics.items()):
            recipients = self._email_subscribers(sns, topic_arn)
            if not recipients:
                continue
            display_name = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"].get("DisplayName") or topic.name
            for published in published_messages(topic_arn):
                if published.message_id in self._delivered:
                    continue
                self._delivered.add(published.message_id)
                new.append(self._write(topic_arn, display_name, recipients, published))
        self.emails += new
        return new

    @staticmethod
    def _email_subscribers(sns: Any, topic_arn: str) -> tuple[str, ...]:
        subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
        return tuple(s["Endpoint"] for s in subscriptions if s["Protocol"] == "email")

    def _write(self, topic_arn: str, display_name: str, recipients: tuple[str, ...],
               published: PublishedMessage) -> DeliveredEmail:
        message_id, subject = published.message_id, published.subject
        now: datetime = self._clock.now()
        email = EmailMessage(policy=_POLICY)
        email["From"] = formataddr((display_name, SNS_SENDER))
        email["To"] = ", ".join(recipients)
        email["Subject"] = subject or DEFAULT_SUBJECT
        email["Date"] = format_datetime(now)
        email["Message-ID"] = make_msgid(idstring=message_id, domain="sns.amazonaws.com")
        email.set_content(email_text(published.message) + FOOTER.format(topic=topic_arn))
        path = self.directory / f"{now:%Y%m%dT%H%M%S}-{message_id}.eml"
        path.write_bytes(email.as_bytes())
        return DeliveredEmail(path, topic_arn, message_id, str(email["Subject"]), recipients)


__all__ = ["DeliveredEmail", "EmailOutbox", "PublishedMessage", "email_text", "published_messages"]
