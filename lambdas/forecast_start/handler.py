"""forecast_start Lambda (weekly EventBridge schedule, or invoked by a person): start a forecast run of the
workflow, one per schedule tick. Event: {"trigger": "scheduled"} from the schedule, or a manual request
{"trigger": "manual", "origin"?, "horizon"?, "name"?}; returns the execution started (or found)."""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from vendorcast.clock import get_clock
from vendorcast.forecasting.start import parse_start_request, start_forecast
from vendorcast.resources import ENV_FORECAST_STATE_MACHINE_ARN, SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
stepfunctions = boto3.client("stepfunctions")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse_start_request(event)
    started = start_forecast(stepfunctions, os.environ[ENV_FORECAST_STATE_MACHINE_ARN], request, get_clock().now())
    result = asdict(started)
    logger.info("forecast run already started" if started.already_started else "forecast run started",
                extra={"execution": result})
    return result
