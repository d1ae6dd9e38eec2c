"""purchase_orders Lambda (EventBridge schedule, one rule per account with {"account": NAME} as its input): read what
changed in Amazon's purchase orders since the last run into the lake, and send the PO alerts."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.orders.context import OrdersContext
from vendorcast.orders.pull import run_purchase_orders
from vendorcast.resources import PURCHASE_ORDERS_EVENT_ACCOUNT, SERVICE_NAME

logger = Logger(service=SERVICE_NAME)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    account = event.get(PURCHASE_ORDERS_EVENT_ACCOUNT) if isinstance(event, dict) else None
    if account is not None and not isinstance(account, str):
        raise ValueError(f"the event's account must be an account name from the config, got {account!r}")
    summary = run_purchase_orders(OrdersContext.from_environment(), account,
                                  time_left=lambda: context.get_remaining_time_in_millis() / 1000)
    result = summary.as_dict()
    logger.info("purchase orders run", extra=result)
    return result
