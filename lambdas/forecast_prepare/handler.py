"""forecast_prepare Lambda, the forecast workflow's Prepare task (stepfunctions/forecast.asl.json): build the
demand panel from the curated lake and split it into shards. Event: the execution input plus run_id and
started_at; returns the run (run_id, origin, horizon, shards, distributed)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.forecasting.workflow import prepare_run
from vendorcast.resources import SERVICE_NAME

logger = Logger(service=SERVICE_NAME)


# Every log line of the invocation carries the run id (the execution name) as its correlation id.
@logger.inject_lambda_context(correlation_id_path="run_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return prepare_run(event)
