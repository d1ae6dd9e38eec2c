"""One SQS record of the report-events queue, end to end: parse it at the edge, process it once (Powertools
idempotency on the report's outcome), and dead-letter a message that keeps failing with the reason attached."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from vendorcast.dead_letters import FAILURE_REASON_ATTRIBUTE, dead_letter
from vendorcast.ingestion.context import IngestionContext
from vendorcast.ingestion.events import MalformedEvent, parse_report_notification
from vendorcast.ingestion.processor import ProcessOutcome, process_report_event
from vendorcast.resources import REPORT_EVENTS_MAX_RECEIVE_COUNT

__all__ = ["FAILURE_REASON_ATTRIBUTE", "handle_record"]

log = logging.getLogger(__name__)

def handle_record(
    ctx: IngestionContext,
    body: str,
    message_id: str,
    receive_count: int,
    run_once: Callable[[str, Callable[[], ProcessOutcome]], Any] | None = None,
    max_receives: int = REPORT_EVENTS_MAX_RECEIVE_COUNT,
) -> ProcessOutcome | None:
    """Process one message. Raising makes SQS deliver it again; on its last allowed receive a failing
    message is dead-lettered with its reason instead, and the rest of the batch is unaffected."""
    try:
        event = parse_report_notification(body)
        work = lambda: process_report_event(ctx, event)  # noqa: E731
        return run_once(event.idempotency_key, work) if run_once else work()
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, MalformedEvent) and receive_count < max_receives:
            log.warning("malformed message %s (receive %d of %d): %s", message_id, receive_count, max_receives, exc)
        if receive_count >= max_receives:
            dead_letter(ctx.sqs, ctx.dlq_url, body, message_id, reason, receive_count)
            return None
        raise
