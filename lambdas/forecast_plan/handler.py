"""forecast_plan Lambda, the forecast workflow's Plan task (stepfunctions/forecast.asl.json): plan supply from the
published forecast and write po_forecast, supply_plan and po_advice, with the [planning] section of the deployment
config. Event: {"run"}; returns {"summary", "digest", "alert", "below_target"} (the e-mails the workflow sends)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.forecasting.plan_step import plan_run
from vendorcast.function_environment import config_from_environment
from vendorcast.planning.settings import PlanningSettings
from vendorcast.resources import SERVICE_NAME

logger = Logger(service=SERVICE_NAME)


# Every log line of the invocation carries the run id (the execution name) as its correlation id.
@logger.inject_lambda_context(correlation_id_path="run.run_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return plan_run(event, PlanningSettings.from_config(config_from_environment()))
