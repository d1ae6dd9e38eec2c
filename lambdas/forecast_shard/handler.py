"""forecast_shard Lambda, the forecast workflow's ForecastShard task, once per shard (stepfunctions/forecast.asl.json):
backtest, predict and ensemble one shard. Event: {"run", "train", "shard"}; returns the shard's small result."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.forecasting.workflow import forecast_shard
from vendorcast.resources import SERVICE_NAME

logger = Logger(service=SERVICE_NAME)


# Every log line of the invocation carries the run id (the execution name) as its correlation id.
@logger.inject_lambda_context(correlation_id_path="run.run_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return forecast_shard(event)
