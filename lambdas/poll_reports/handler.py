"""poll_reports Lambda (EventBridge schedule): check reports whose notification is overdue and queue the
finished ones as events."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.ingestion.context import IngestionContext
from vendorcast.ingestion.poller import poll_open_requests
from vendorcast.resources import SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
SAFETY_MARGIN_MS = 30_000


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = poll_open_requests(
        IngestionContext.from_environment(),
        has_time=lambda: context.get_remaining_time_in_millis() > SAFETY_MARGIN_MS,
    )
    logger.info("open report requests polled", extra=asdict(summary))
    return asdict(summary)
