"""forecast_publish Lambda, the forecast workflow's Publish task (stepfunctions/forecast.asl.json): write the
forecast tables and summarise the run. Event: {"run", "train", "shards"}; returns the summary the workflow
e-mails ({"subject", "message", ...})."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.forecasting.workflow import publish_run
from vendorcast.resources import SERVICE_NAME

logger = Logger(service=SERVICE_NAME)


# Every log line of the invocation carries the run id (the execution name) as its correlation id.
@logger.inject_lambda_context(correlation_id_path="run.run_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return publish_run(event)
