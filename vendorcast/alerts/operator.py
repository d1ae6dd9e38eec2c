"""Operator alerts: problems a person must act on (a report type that fails terminally, bad credentials),
published to the ops SNS topic when one is configured and always logged."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from vendorcast.alerts.topic import SnsMessage, TopicPublisher

log = logging.getLogger(__name__)


@dataclass
class OperatorAlerts:
    topic: TopicPublisher | None  # None: no ops topic configured; the alert is only logged

    def send(self, subject: str, message: str) -> None:
        log.error("operator alert: %s: %s", subject, message)
        if self.topic is not None:
            self.topic.publish(SnsMessage(subject, message))
