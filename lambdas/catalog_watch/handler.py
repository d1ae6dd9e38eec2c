"""catalog_watch Lambda (EventBridge schedule): list the ASINs to watch, find the data conditions, and fan the ASINs
out to catalog_item through the catalog-items queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.catalog.context import CatalogContext
from vendorcast.catalog.watch import run_catalog_watch
from vendorcast.resources import SERVICE_NAME

logger = Logger(service=SERVICE_NAME)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = run_catalog_watch(CatalogContext.from_environment())
    result = {"batch_id": summary.batch_id, "asins": summary.asins, "chunks": summary.chunks,
              "conditions": summary.conditions, "flushed": summary.flushed,
              "digest_message_id": summary.digest.message_id if summary.digest else None}
    logger.info("catalog watch started", extra=result)
    return result
