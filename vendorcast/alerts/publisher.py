"""Alert digests to the alert SNS topic, one message each, rendered per protocol."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from vendorcast.alerts.digest import AlertDigest
from vendorcast.alerts.render import render_sns_message

log = logging.getLogger(__name__)


@dataclass
class AlertPublisher:
    topic_arn: str
    sns: Any  # boto3 SNS client

    def publish(self, digest: AlertDigest) -> str | None:
        """Publish a digest with findings; returns the SNS message id (None: nothing to tell, nothing sent)."""
        if digest.empty:
            return None
        message = render_sns_message(digest)
        response = self.sns.publish(TopicArn=self.topic_arn, Subject=message.subject, Message=message.message,
                                    MessageStructure=message.message_structure)
        log.info("alert digest %s published: %s", digest.batch_id, message.subject)
        return str(response["MessageId"])
