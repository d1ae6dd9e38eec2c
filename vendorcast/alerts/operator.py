"""Operator alerts: problems a person must act on (a report type that fails terminally, bad credentials),
published to the ops SNS topic when one is configured and always logged."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# SNS subject lines are limited to 100 characters.
SUBJECT_LIMIT = 100


@dataclass
class OperatorAlerts:
    topic_arn: str | None
    sns: Any | None = None

    def send(self, subject: str, message: str) -> None:
        log.error("operator alert: %s: %s", subject, message)
        if not self.topic_arn or self.sns is None:
            return
        self.sns.publish(TopicArn=self.topic_arn, Subject=subject[:SUBJECT_LIMIT], Message=message)
