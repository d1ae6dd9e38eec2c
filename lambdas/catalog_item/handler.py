"""catalog_item Lambda (SQS trigger, partial-batch responses): each message (a chunk of a watch run, or a pushed
catalog notification) is looked at once; a failing message returns alone to the queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.catalog.context import CatalogContext
from vendorcast.catalog.worker import handle_catalog_record
from vendorcast.resources import SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
_context: CatalogContext | None = None


def _catalog() -> CatalogContext:
    global _context
    if _context is None:
        _context = CatalogContext.from_environment()
    return _context


def record_handler(record: SQSRecord) -> None:
    receive_count = int(record.attributes.approximate_receive_count or 1)
    for outcome in handle_catalog_record(_catalog(), record.body, record.message_id, receive_count):
        logger.info("catalog message processed", extra={
            "action": outcome.action, "batch_id": outcome.batch_id, "items": outcome.items,
            "changed": outcome.changed, "alerts": outcome.alerts,
            "digest_message_id": outcome.digest.message_id if outcome.digest else None})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
