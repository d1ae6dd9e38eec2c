"""request_reports Lambda (EventBridge schedule): plan due report windows and create them, within the
invocation's time budget; whatever is left is picked up by the next run."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.ingestion.context import IngestionContext
from vendorcast.ingestion.requester import request_due_reports
from vendorcast.resources import SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
# Stop creating reports when less than this is left: a createReport may wait a minute for its quota.
SAFETY_MARGIN_MS = 120_000


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = request_due_reports(
        IngestionContext.from_environment(),
        has_time=lambda: context.get_remaining_time_in_millis() > SAFETY_MARGIN_MS,
    )
    result = asdict(summary)
    result.pop("request_keys")
    logger.info("report requests created", extra=result)
    return result
