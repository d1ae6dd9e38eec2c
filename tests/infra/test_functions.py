"""What every vendorcast function gets, read across all synthesized templates (stacks/lambda_function.py): logs
encrypted with a key CloudWatch Logs may use for them, a dead-letter queue with an alarm where Lambda invokes a
function asynchronously, and reserved concurrency for every SP-API caller."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import App, Duration, Stack

from stacks.lambda_function import VendorcastFunction
from tests.infra.cfn_values import grants_of, render

if TYPE_CHECKING:
    from conftest import Synthesized

# The AWS services that invoke a Lambda function asynchronously in vendorcast (EventBridge rules and schedules).
ASYNC_INVOKERS = {"events.amazonaws.com", "scheduler.amazonaws.com"}
SCHEDULED_FUNCTIONS = {"request_reports", "poll_reports", "catalog_watch", "forecast_start"}


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def _role_grants(template: dict[str, Any], function: dict[str, Any]) -> dict[str, set[str]]:
    """What the function's role may do: rendered resource -> actions."""
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [statement for policy in _of_type(template, "AWS::IAM::Policy").values()
                  if {"Ref": role} in policy["Properties"]["Roles"]
                  for statement in policy["Properties"]["PolicyDocument"]["Statement"]]
    return grants_of(statements)


def _handler_name(function: dict[str, Any]) -> str:
    """lambdas.<name>.handler.handler, for a zip function."""
    return function["Properties"]["Handler"].split(".")[1]


def test_every_log_group_is_encrypted_with_a_key_cloudwatch_logs_may_use_for_it(synthesized: Synthesized) -> None:
    groups = 0
    for stack, template in synthesized.templates.items():
        for logical_id, group in _of_type(template, "AWS::Logs::LogGroup").items():
            groups += 1
            properties = group["Properties"]
            (key_id, attribute) = properties["KmsKeyId"]["Fn::GetAtt"]
            assert attribute == "Arn", f"{stack}/{logical_id}"
            arn = f"arn:aws:logs:<region>:<account>:log-group:{render(properties['LogGroupName'])}"
            patterns = [render(statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
                        for statement in template["Resources"][key_id]["Properties"]["KeyPolicy"]["Statement"]
                        if render(statement["Principal"].get("Service", "")) == "logs.<region>.amazonaws.com"]
            assert any(fnmatchcase(arn, pattern) for pattern in patterns), (
                f"{stack}/{logical_id}: the key's policy does not let CloudWatch Logs use it for {arn}")
    # Every function's, the state machine's and the publishing job's two.
    assert groups >= 11 + 1 + 2


def test_every_asynchronously_invoked_function_keeps_what_fails_in_an_encrypted_queue_with_an_alarm(
        synthesized: Synthesized) -> None:
    monitoring = synthesized.templates[synthesized.stacks.monitoring.stack_name]
    alarmed = {(dimension["Value"]["Fn::GetStackOutput"]["StackName"],
                dimension["Value"]["Fn::GetStackOutput"]["OutputName"])
               for alarm in _of_type(monitoring, "AWS::CloudWatch::Alarm").values()
               if alarm["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
               and alarm["Properties"]["Threshold"] == 1
               for dimension in alarm["Properties"]["Dimensions"]}
    asynchronous = set()
    for stack, template in synthesized.templates.items():
        functions = _of_type(template, "AWS::Lambda::Function")
        invoked = {permission["Properties"]["FunctionName"]["Fn::GetAtt"][0]
                   for permission in _of_type(template, "AWS::Lambda::Permission").values()
                   if permission["Properties"]["Principal"] in ASYNC_INVOKERS}
        for logical_id in invoked:
            function = functions[logical_id]
            asynchronous.add(_handler_name(function))
            (queue_id, _) = function["Properties"]["DeadLetterConfig"]["TargetArn"]["Fn::GetAtt"]
            queue = template["Resources"][queue_id]
            assert queue["Type"] == "AWS::SQS::Queue"
            (key_id, _) = queue["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"]
            grants = _role_grants(template, function)
            assert "sqs:SendMessage" in grants[f"<{queue_id}.Arn>"]
            assert {"kms:Decrypt", "kms:GenerateDataKey"} <= grants[f"<{key_id}.Arn>"]
            assert any(alarm_stack == stack and queue_id in output for alarm_stack, output in alarmed), (
                f"no alarm on the dead-letter queue of {stack}/{logical_id}")
    assert asynchronous >= SCHEDULED_FUNCTIONS


def test_functions_fed_by_a_queue_leave_failures_to_its_dead_letter_queue_and_reserve_what_it_may_run(
        synthesized: Synthesized) -> None:
    mappings = 0
    for template in synthesized.templates.values():
        for mapping in _of_type(template, "AWS::Lambda::EventSourceMapping").values():
            mappings += 1
            properties = mapping["Properties"]
            queue = template["Resources"][properties["EventSourceArn"]["Fn::GetAtt"][0]]
            assert queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
            function = template["Resources"][properties["FunctionName"]["Ref"]]["Properties"]
            # Lambda's advice: a queue's maximum concurrency never above the function's reserved concurrency.
            assert properties["ScalingConfig"]["MaximumConcurrency"] <= function["ReservedConcurrentExecutions"]
    assert mappings == 2


def test_every_spapi_caller_reserves_its_concurrency(synthesized: Synthesized) -> None:
    """SP-API callers (the functions that read the SP-API credentials) share Amazon's token buckets: how many run
    at once decides how long each waits, paid by the second."""
    callers = {}
    for template in synthesized.templates.values():
        for function in _of_type(template, "AWS::Lambda::Function").values():
            if any("secretsmanager:GetSecretValue" in actions
                   for actions in _role_grants(template, function).values()):
                callers[_handler_name(function)] = function["Properties"].get("ReservedConcurrentExecutions")
    assert set(callers) >= {"request_reports", "poll_reports", "process_reports", "catalog_item"}
    assert all(reserved for reserved in callers.values()), callers


@pytest.mark.parametrize(("reserved", "because"), [(None, None), (1, "one run at a time")])
def test_a_function_reserves_concurrency_or_says_why_not(reserved: int | None, because: str | None) -> None:
    with pytest.raises(ValueError, match="function new_poller: give reserved_concurrent_executions"):
        VendorcastFunction(Stack(App(), "Functions"), "NewPoller", name="new_poller", description="a new poller",
                           layer=None, environment={}, timeout=Duration.minutes(1), memory_size=256, key=None,
                           reserved_concurrent_executions=reserved, unreserved_because=because)
