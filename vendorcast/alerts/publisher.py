"""Alert digests to the alert SNS topic, one message each, rendered per protocol."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from vendorcast.alerts.digest import AlertDigest
from vendorcast.alerts.render import render_sns_message
from vendorcast.alerts.topic import TopicPublisher

log = logging.getLogger(__name__)


@dataclass
class AlertPublisher:
    topic: TopicPublisher

    def publish(self, digest: AlertDigest) -> str | None:
        """Publish a digest with findings; returns the SNS message id (None: nothing to tell, nothing sent)."""
        if digest.empty:
            return None
        message = render_sns_message(digest)
        message_id = self.topic.publish(message)
        log.info("alert digest %s published: %s", digest.batch_id, message.subject)
        return message_id
