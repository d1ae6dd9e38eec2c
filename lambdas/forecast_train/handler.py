"""forecast_train Lambda, the forecast workflow's Train task (stepfunctions/forecast.asl.json): train the global
models once for all shards. Event: {"run"}; returns what the shards need to use the models."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.forecasting.workflow import train_models
from vendorcast.resources import SERVICE_NAME

logger = Logger(service=SERVICE_NAME)


# Every log line of the invocation carries the run id (the execution name) as its correlation id.
@logger.inject_lambda_context(correlation_id_path="run.run_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return train_models(event)
