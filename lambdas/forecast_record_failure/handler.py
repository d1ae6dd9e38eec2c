"""forecast_record_failure Lambda, the forecast workflow's RecordFailure task (stepfunctions/forecast.asl.json):
record a failed run and word its e-mail. Event: {"failed_state", "failure": {"Error", "Cause"}, "run_id",
"started_at", "input"}; returns {"subject", "message"}."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.forecasting.workflow import record_failed_run
from vendorcast.resources import SERVICE_NAME

logger = Logger(service=SERVICE_NAME)


# Every log line of the invocation carries the run id (the execution name) as its correlation id.
@logger.inject_lambda_context(correlation_id_path="run_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return record_failed_run(event)
