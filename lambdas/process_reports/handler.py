"""process_reports Lambda (SQS trigger, partial-batch responses): each REPORT_PROCESSING_FINISHED event is
processed once; failures return only their own message to the queue."""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.ingestion.context import IngestionContext
from vendorcast.ingestion.processor import ProcessOutcome
from vendorcast.ingestion.report_events import handle_record
from vendorcast.resources import ENV_IDEMPOTENCY_TABLE, PROCESSED_EVENT_MESSAGE, SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
# A batch whose every record failed is still a partial-batch response, not a failed invocation: the
# messages go back to the queue either way, and invocation errors are kept for real breakage.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
idempotency = IdempotencyConfig(expires_after_seconds=7 * 24 * 3600)
_context: IngestionContext | None = None


def _ingestion() -> IngestionContext:
    global _context
    if _context is None:
        _context = IngestionContext.from_environment()
    return _context


@idempotent_function(
    data_keyword_argument="key",
    persistence_store=DynamoDBPersistenceLayer(table_name=os.environ.get(ENV_IDEMPOTENCY_TABLE, "")),
    config=idempotency,
)
def _once(*, key: str, work: Any) -> dict[str, Any]:
    return asdict(work())


def _run_once(key: str, work: Any) -> ProcessOutcome:
    return ProcessOutcome(**_once(key=key, work=work))


def record_handler(record: SQSRecord) -> None:
    receive_count = int(record.attributes.approximate_receive_count or 1)
    outcome = handle_record(_ingestion(), record.body, record.message_id, receive_count, run_once=_run_once)
    if outcome:
        logger.info(PROCESSED_EVENT_MESSAGE, extra={"action": outcome.action, "request_key": outcome.request_key,
                                                      "rows": outcome.rows})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
