"""The ingestion stack's template: queue, DLQ and SP-API access, the ledger as the local runtime builds it,
the functions' settings and environment, their triggers, and what each function's role allows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk.assertions import Match

from stacks.ingestion import PROCESS_REPORTS_BATCH_SIZE, PROCESS_REPORTS_BATCHING_WINDOW, PROCESS_REPORTS_TIMEOUT
from stacks.report_events import VISIBILITY_TIMEOUT_FACTOR
from vendorcast import resources as r
from vendorcast.config import config_from_json
from vendorcast.local.aws import LocalAws

if TYPE_CHECKING:
    from conftest import Synthesized

SPAPI_PRINCIPAL = "arn:aws:iam::437568002678:root"
# What the local runtime sets for the catalog and purchase-orders functions only (see their own tests).
NOT_FOR_REPORT_FUNCTIONS = {r.ENV_ALERT_TOPIC_ARN, r.ENV_CATALOG_TABLE, r.ENV_CATALOG_QUEUE_URL, r.ENV_CATALOG_DLQ_URL,
                            r.ENV_PURCHASE_ORDERS_TABLE, r.ENV_PURCHASE_ORDERS_DLQ_URL}
INGESTION_ENV_KEYS = {
    r.ENV_CONFIG_PARAMETER, r.ENV_LEDGER_TABLE, r.ENV_RATE_LIMIT_TABLE, r.ENV_LAKE_BUCKET,
    r.ENV_REPORT_EVENTS_QUEUE_URL, r.ENV_OPS_TOPIC_ARN, r.ENV_POWERTOOLS_SERVICE_NAME,
}


def _stack(synthesized: Synthesized) -> str:
    return synthesized.stacks.ingestion.stack_name


def _logical_id(synthesized: Synthesized, construct: Any) -> str:
    return synthesized.stacks.ingestion.get_logical_id(construct.node.default_child)


def _function(synthesized: Synthesized, name: str) -> dict[str, Any]:
    function = getattr(synthesized.stacks.ingestion, name).function
    return synthesized.templates[_stack(synthesized)]["Resources"][_logical_id(synthesized, function)]


def _statements(synthesized: Synthesized, name: str) -> list[dict[str, Any]]:
    role = getattr(synthesized.stacks.ingestion, name).role
    policy = role.node.find_child("DefaultPolicy")
    resource = synthesized.templates[_stack(synthesized)]["Resources"][_logical_id(synthesized, policy)]
    return resource["Properties"]["PolicyDocument"]["Statement"]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


def _resources(statement: dict[str, Any]) -> list[Any]:
    resources = statement["Resource"]
    return resources if isinstance(resources, list) else [resources]


def test_report_events_queue_lets_spapi_send_and_read_attributes(synthesized: Synthesized) -> None:
    template = synthesized.template(_stack(synthesized))
    queue = _logical_id(synthesized, synthesized.stacks.ingestion.report_events.queue)
    template.has_resource_properties("AWS::SQS::QueuePolicy", {
        "Queues": [{"Ref": queue}],
        "PolicyDocument": {"Statement": Match.array_with([{
            "Sid": "AllowSellingPartnerApiNotifications",
            "Effect": "Allow",
            "Principal": {"AWS": SPAPI_PRINCIPAL},
            "Action": ["sqs:GetQueueAttributes", "sqs:SendMessage"],
            "Resource": {"Fn::GetAtt": [queue, "Arn"]},
        }])},
    })
    # The queue is SSE-KMS: SP-API must also be able to use the key, and only through SQS.
    template.has_resource_properties("AWS::KMS::Key", {
        "EnableKeyRotation": True,
        "KeyPolicy": {"Statement": Match.array_with([Match.object_like({
            "Principal": {"AWS": SPAPI_PRINCIPAL},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Condition": {"StringEquals": {"kms:ViaService": Match.any_value()}},
        })])},
    })


def test_report_events_queue_redrives_to_its_dlq_and_outlasts_the_consumer(synthesized: Synthesized) -> None:
    events = synthesized.stacks.ingestion.report_events
    queue = synthesized.resources(_stack(synthesized), "AWS::SQS::Queue")[_logical_id(synthesized, events.queue)]
    properties = queue["Properties"]
    assert properties["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [_logical_id(synthesized, events.dead_letters), "Arn"]},
        "maxReceiveCount": r.REPORT_EVENTS_MAX_RECEIVE_COUNT,
    }
    assert properties["VisibilityTimeout"] == VISIBILITY_TIMEOUT_FACTOR * PROCESS_REPORTS_TIMEOUT.to_seconds()
    assert _function(synthesized, "process_reports")["Properties"]["Timeout"] == PROCESS_REPORTS_TIMEOUT.to_seconds()
    key = {"Fn::GetAtt": [_logical_id(synthesized, synthesized.stacks.ingestion.key), "Arn"]}
    for queue in synthesized.resources(_stack(synthesized), "AWS::SQS::Queue").values():
        assert queue["Properties"]["KmsMasterKeyId"] == key


def test_process_reports_consumes_batches_with_partial_failures(synthesized: Synthesized) -> None:
    template = synthesized.template(_stack(synthesized))
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 1)
    template.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "EventSourceArn": {"Fn::GetAtt": [
            _logical_id(synthesized, synthesized.stacks.ingestion.report_events.queue), "Arn"]},
        "FunctionName": {"Ref": _logical_id(synthesized, synthesized.stacks.ingestion.process_reports.function)},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BatchSize": PROCESS_REPORTS_BATCH_SIZE,
        "MaximumBatchingWindowInSeconds": PROCESS_REPORTS_BATCHING_WINDOW.to_seconds(),
    })


@pytest.fixture(scope="module")
def local_aws(synthesized: Synthesized) -> Iterator[LocalAws]:
    """The AWS emulator with the resources the embedded runtime creates for the same config."""
    aws = LocalAws.start()
    try:
        aws.create_resources(synthesized.config, credentials={})
        yield aws
    finally:
        aws.stop()


@pytest.fixture(scope="module")
def local_tables(local_aws: LocalAws) -> dict[str, dict[str, Any]]:
    dynamodb = local_aws.client("dynamodb")
    names = (r.LEDGER_TABLE, r.IDEMPOTENCY_TABLE, r.RATE_LIMIT_TABLE)
    return {name: dynamodb.describe_table(TableName=name)["Table"] for name in names}


def _key_layout(definition: dict[str, Any]) -> dict[str, Any]:
    """Key schema, attribute types and indexes: what the stack and the local runtime must agree on."""
    return {
        "KeySchema": definition["KeySchema"],
        "AttributeDefinitions": sorted(definition["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "GlobalSecondaryIndexes": sorted(
            ({"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
             for i in definition.get("GlobalSecondaryIndexes", [])), key=lambda i: i["IndexName"]),
    }


def test_tables_match_the_local_runtime(synthesized: Synthesized, local_tables: dict[str, dict[str, Any]]) -> None:
    tables = synthesized.stacks.ingestion.tables
    resources = synthesized.resources(_stack(synthesized), "AWS::DynamoDB::Table")
    ledger = resources[_logical_id(synthesized, tables.ledger)]
    assert _key_layout(ledger["Properties"]) == _key_layout(local_tables[r.LEDGER_TABLE])
    assert {i["IndexName"] for i in ledger["Properties"]["GlobalSecondaryIndexes"]} == {
        r.LEDGER_STREAM_INDEX, r.LEDGER_REPORT_INDEX, r.LEDGER_STATUS_INDEX}
    idempotency = resources[_logical_id(synthesized, tables.idempotency)]
    assert _key_layout(idempotency["Properties"]) == _key_layout(local_tables[r.IDEMPOTENCY_TABLE])
    rate_limits = resources[_logical_id(synthesized, tables.rate_limits)]
    assert _key_layout(rate_limits["Properties"]) == _key_layout(local_tables[r.RATE_LIMIT_TABLE])
    assert ledger["Properties"]["DeletionProtectionEnabled"] is True
    assert ledger["DeletionPolicy"] == "Retain"


def test_tables_are_encrypted_with_point_in_time_recovery(synthesized: Synthesized) -> None:
    key = {"Fn::GetAtt": [_logical_id(synthesized, synthesized.stacks.ingestion.key), "Arn"]}
    tables = synthesized.resources(_stack(synthesized), "AWS::DynamoDB::Table")
    assert len(tables) == 4  # the ledger, rate limits, idempotency and purchase orders
    for table in tables.values():
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert properties["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}


def test_idempotency_table_has_the_powertools_layout(synthesized: Synthesized) -> None:
    idempotency = synthesized.stacks.ingestion.tables.idempotency
    table = synthesized.resources(_stack(synthesized), "AWS::DynamoDB::Table")[_logical_id(synthesized, idempotency)]
    assert table["Properties"]["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


@pytest.mark.parametrize("name", ["request_reports", "poll_reports", "process_reports"])
def test_functions_run_python_on_arm64_with_their_environment(synthesized: Synthesized, name: str) -> None:
    properties = _function(synthesized, name)["Properties"]
    assert properties["Runtime"] == "python3.12"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Handler"] == f"lambdas.{name}.handler.handler"
    assert len(properties["Layers"]) == 1 and properties["Layers"][0]["Ref"].startswith("DependenciesLayer")
    variables = properties["Environment"]["Variables"]
    expected = set(INGESTION_ENV_KEYS)
    if name == "process_reports":
        expected |= {r.ENV_IDEMPOTENCY_TABLE, r.ENV_REPORT_EVENTS_DLQ_URL}
    assert expected <= set(variables)
    assert variables[r.ENV_POWERTOOLS_SERVICE_NAME] == r.SERVICE_NAME
    # Endpoint and clock overrides belong to the local runtime only.
    for local_only in (r.ENV_SPAPI_ENDPOINT, r.ENV_LWA_TOKEN_URL, r.ENV_CONFIG_FILE, r.ENV_TIME_SCALE):
        assert local_only not in variables
    assert properties["LoggingConfig"]["LogGroup"]["Ref"].startswith(name.title().replace("_", ""))


def test_functions_get_every_variable_the_local_runtime_sets(synthesized: Synthesized, local_aws: LocalAws) -> None:
    """The embedded runtime sets what the handlers need; on AWS, process_reports alone needs the idempotency
    table and the DLQ (and the catalog and purchase-orders functions their own, see test_catalog_stack and
    test_purchase_orders_stack)."""
    local = set(local_aws.function_environment()) - NOT_FOR_REPORT_FUNCTIONS
    process_only = {r.ENV_IDEMPOTENCY_TABLE, r.ENV_REPORT_EVENTS_DLQ_URL}
    for name in ("request_reports", "poll_reports", "process_reports"):
        variables = set(_function(synthesized, name)["Properties"]["Environment"]["Variables"])
        expected = local if name == "process_reports" else local - process_only
        assert expected <= variables, name


def test_request_reports_never_overlaps(synthesized: Synthesized) -> None:
    assert _function(synthesized, "request_reports")["Properties"]["ReservedConcurrentExecutions"] == 1


def test_log_groups_have_a_retention(synthesized: Synthesized) -> None:
    groups = synthesized.resources(_stack(synthesized), "AWS::Logs::LogGroup")
    assert len(groups) == 4  # the three report functions and purchase_orders
    assert all(group["Properties"]["RetentionInDays"] == 90 for group in groups.values())


def test_schedules_come_from_the_config(synthesized: Synthesized) -> None:
    template = synthesized.template(_stack(synthesized))
    schedules = synthesized.config.schedules
    for name, expression in (("request_reports", schedules.request_reports),
                             ("poll_reports", schedules.poll_reports)):
        function = _logical_id(synthesized, getattr(synthesized.stacks.ingestion, name).function)
        template.has_resource_properties("AWS::Events::Rule", {
            "ScheduleExpression": expression,
            "State": "ENABLED",
            "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [function, "Arn"]}})],
        })
        template.has_resource_properties("AWS::Lambda::Permission", {
            "Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com",
            "FunctionName": {"Fn::GetAtt": [function, "Arn"]},
        })


def test_config_parameter_holds_the_validated_config(synthesized: Synthesized) -> None:
    parameters = synthesized.resources(_stack(synthesized), "AWS::SSM::Parameter")
    assert len(parameters) == 1
    (parameter,) = parameters.values()
    assert config_from_json(parameter["Properties"]["Value"]) == synthesized.config
    assert parameter["Properties"]["Type"] == "String"


def test_spapi_secrets_are_referenced_by_name_never_created(synthesized: Synthesized) -> None:
    template = synthesized.templates[_stack(synthesized)]
    assert not synthesized.resources(_stack(synthesized), "AWS::SecretsManager::Secret")
    text = json.dumps(template)
    for account in synthesized.config.accounts:
        assert f":secret:{account.secret_name}-??????" in text


def test_process_reports_writes_landing_and_raw_but_not_curated(synthesized: Synthesized) -> None:
    statements = _statements(synthesized, "process_reports")
    puts = [s for s in statements if "s3:PutObject" in _actions(s)]
    assert len(puts) == 1 and _actions(puts[0]) == ["s3:PutObject"]
    zones = {resource["Fn::Join"][1][-1] for resource in _resources(puts[0])}
    assert zones == {f"/{r.LANDING_PREFIX}/*", f"/{r.RAW_PREFIX}/*"}
    text = json.dumps(statements)
    for zone in (r.CURATED_PREFIX, r.FORECAST_PREFIX):
        assert f"/{zone}/" not in text
    assert "s3:GetObject" not in text and "s3:DeleteObject" not in text


@pytest.mark.parametrize("name", ["request_reports", "poll_reports", "process_reports"])
def test_function_roles_name_their_actions_and_resources(synthesized: Synthesized, name: str) -> None:
    ingestion_key = {"Fn::GetAtt": [_logical_id(synthesized, synthesized.stacks.ingestion.key), "Arn"]}
    for statement in _statements(synthesized, name):
        assert statement["Effect"] == "Allow"
        assert all(action != "*" and not action.endswith(":*") for action in _actions(statement))
        assert "*" not in _resources(statement)
        if any(action.startswith("kms:") for action in _actions(statement)):
            # Key use only through the service that owns the data, except the decrypt CDK grants the SQS
            # event source of process_reports (Lambda's poller reads the queue with the function's role).
            consume = name == "process_reports" and _actions(statement) == ["kms:Decrypt"] and _resources(
                statement) == [ingestion_key]
            assert consume or "kms:ViaService" in statement["Condition"]["StringEquals"]


def test_only_request_reports_creates_ledger_entries_and_only_poll_reports_queues_events(
        synthesized: Synthesized) -> None:
    def actions(name: str) -> set[str]:
        return {a for s in _statements(synthesized, name) for a in _actions(s)}

    assert "dynamodb:PutItem" in actions("request_reports")
    queue = {"Fn::GetAtt": [_logical_id(synthesized, synthesized.stacks.ingestion.report_events.queue), "Arn"]}
    senders = [name for name in ("request_reports", "poll_reports", "process_reports")
               if any("sqs:SendMessage" in _actions(s) and queue in _resources(s)
                      for s in _statements(synthesized, name))]
    assert senders == ["poll_reports"]
    assert not any(a.startswith("s3:") for a in actions("request_reports") | actions("poll_reports"))
