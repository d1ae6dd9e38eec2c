"""The purchase orders pull in the ingestion stack's template: its table and dead-letter queue as the local runtime
builds them, the function's settings and what each environment variable names, one schedule per account that pulls
purchase orders, what the function's role allows (nothing more), and its alarms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from stacks.ingestion import SCHEDULED_RUN_RETRIES
from stacks.lambda_function import POWERTOOLS_ENVIRONMENT
from stacks.purchase_orders import PURCHASE_ORDERS_TIMEOUT
from stacks.queues import DEAD_LETTERS_KEPT_FOR
from tests.infra.cfn_values import grants_of, render
from vendorcast import resources as r
from vendorcast.lake.tables import RAW_INPUTS
from vendorcast.local.aws import LocalAws

if TYPE_CHECKING:
    from conftest import Synthesized

ENV_KEYS = {r.ENV_CONFIG_PARAMETER, r.ENV_LAKE_BUCKET, r.ENV_PURCHASE_ORDERS_TABLE, r.ENV_PURCHASE_ORDERS_DLQ_URL,
            r.ENV_RATE_LIMIT_TABLE, r.ENV_ALERT_TOPIC_ARN}
LAKE_BUCKET = "vendorcast-lake-<account>-<region>"
# The raw tables of purchase orders (vendorcast.lake.tables): the function writes these and no other raw table.
PO_RAW_TABLES = {raw.table for raw in RAW_INPUTS.values() if raw.table.startswith("purchase_order")}


def _stack(synthesized: Synthesized) -> str:
    return synthesized.stacks.ingestion.stack_name


def _id(synthesized: Synthesized, construct: Any) -> str:
    return synthesized.stacks.ingestion.get_logical_id(construct.node.default_child)


def _resource(synthesized: Synthesized, construct: Any) -> dict[str, Any]:
    return synthesized.templates[_stack(synthesized)]["Resources"][_id(synthesized, construct)]


def _function(synthesized: Synthesized) -> dict[str, Any]:
    return _resource(synthesized, synthesized.stacks.ingestion.purchase_orders.function.function)["Properties"]


def _statements(synthesized: Synthesized) -> list[dict[str, Any]]:
    policy = synthesized.stacks.ingestion.purchase_orders.function.role.node.find_child("DefaultPolicy")
    return _resource(synthesized, policy)["Properties"]["PolicyDocument"]["Statement"]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def local_aws(synthesized: Synthesized) -> Iterator[LocalAws]:
    aws = LocalAws.start()
    try:
        aws.create_resources(synthesized.config, credentials={})
        yield aws
    finally:
        aws.stop()


def _layout(table: dict[str, Any]) -> dict[str, Any]:
    """Keys, attribute types and indexes: what the stack and the local runtime must agree on."""
    return {
        "KeySchema": table["KeySchema"],
        "AttributeDefinitions": sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "GlobalSecondaryIndexes": sorted(
            ({"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
             for i in table["GlobalSecondaryIndexes"]), key=lambda i: i["IndexName"]),
    }


def test_table_has_the_contracts_keys_indexes_and_ttl(synthesized: Synthesized) -> None:
    table = _resource(synthesized, synthesized.stacks.ingestion.purchase_orders.orders.table)["Properties"]
    assert table["KeySchema"] == [{"AttributeName": r.PURCHASE_ORDERS_PARTITION_KEY, "KeyType": "HASH"},
                                  {"AttributeName": r.PURCHASE_ORDERS_SORT_KEY, "KeyType": "RANGE"}]
    assert {(i["IndexName"], tuple(k["AttributeName"] for k in i["KeySchema"]), i["Projection"]["ProjectionType"])
            for i in table["GlobalSecondaryIndexes"]} == {
        (r.PURCHASE_ORDERS_OPEN_INDEX, (r.PURCHASE_ORDERS_OPEN_KEY, r.PURCHASE_ORDERS_SORT_KEY), "ALL"),
        (r.PURCHASE_ORDERS_WEEK_INDEX, (r.PURCHASE_ORDERS_WEEK_KEY, r.PURCHASE_ORDERS_SORT_KEY), "ALL"),
    }
    assert {a["AttributeType"] for a in table["AttributeDefinitions"]} == {"S"}
    assert table["TimeToLiveSpecification"] == {"AttributeName": r.PURCHASE_ORDERS_TTL_ATTRIBUTE, "Enabled": True}


def test_table_matches_the_local_runtime(synthesized: Synthesized, local_aws: LocalAws) -> None:
    table = _resource(synthesized, synthesized.stacks.ingestion.purchase_orders.orders.table)["Properties"]
    dynamodb = local_aws.client("dynamodb")
    local = dynamodb.describe_table(TableName=r.PURCHASE_ORDERS_TABLE)["Table"]
    assert _layout(table) == _layout(local)
    ttl = dynamodb.describe_time_to_live(TableName=r.PURCHASE_ORDERS_TABLE)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", table["TimeToLiveSpecification"][
        "AttributeName"])


def test_table_is_encrypted_recoverable_and_kept(synthesized: Synthesized) -> None:
    table = _resource(synthesized, synthesized.stacks.ingestion.purchase_orders.orders.table)
    key = {"Fn::GetAtt": [_id(synthesized, synthesized.stacks.ingestion.key), "Arn"]}
    properties = table["Properties"]
    assert properties["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    # The watermarks and alert markers are what keeps a re-run from pulling or alerting twice.
    assert properties["DeletionProtectionEnabled"] is True and table["DeletionPolicy"] == "Retain"


def test_dead_letter_queue_is_encrypted_and_keeps_messages_two_weeks(synthesized: Synthesized,
                                                                     local_aws: LocalAws) -> None:
    pull = synthesized.stacks.ingestion.purchase_orders
    queue = _resource(synthesized, pull.document_dead_letters)["Properties"]
    assert queue["KmsMasterKeyId"] == {"Fn::GetAtt": [_id(synthesized, synthesized.stacks.ingestion.key), "Arn"]}
    assert queue["MessageRetentionPeriod"] == DEAD_LETTERS_KEPT_FOR.to_seconds() == 14 * 24 * 3600
    assert local_aws.purchase_orders_dlq_url.endswith(f"/{r.PURCHASE_ORDERS_DLQ}")


def test_function_runs_one_at_a_time_within_lambdas_longest_timeout(synthesized: Synthesized) -> None:
    properties = _function(synthesized)
    assert properties["Handler"] == f"lambdas.{r.PURCHASE_ORDERS_FUNCTION}.handler.handler"
    assert (properties["Runtime"], properties["Architectures"]) == ("python3.12", ["arm64"])
    assert properties["Timeout"] == PURCHASE_ORDERS_TIMEOUT.to_seconds() == 900
    assert properties["ReservedConcurrentExecutions"] == 1
    request_reports = _resource(synthesized, synthesized.stacks.ingestion.request_reports.function)["Properties"]
    assert properties["MemorySize"] == request_reports["MemorySize"]
    assert properties["Layers"] == request_reports["Layers"]


def test_environment_names_the_pulls_resources(synthesized: Synthesized, local_aws: LocalAws) -> None:
    ingestion = synthesized.stacks.ingestion
    variables = _function(synthesized)["Environment"]["Variables"]
    assert set(variables) == ENV_KEYS | set(POWERTOOLS_ENVIRONMENT)
    assert variables[r.ENV_PURCHASE_ORDERS_TABLE] == {"Ref": _id(synthesized, ingestion.purchase_orders.orders.table)}
    refused = ingestion.purchase_orders.document_dead_letters
    assert variables[r.ENV_PURCHASE_ORDERS_DLQ_URL] == {"Ref": _id(synthesized, refused)}
    assert variables[r.ENV_RATE_LIMIT_TABLE] == {"Ref": _id(synthesized, ingestion.tables.rate_limits)}
    assert variables[r.ENV_CONFIG_PARAMETER] == {"Ref": _id(synthesized, ingestion.deployment_config.parameter)}
    assert render(variables[r.ENV_LAKE_BUCKET]) == LAKE_BUCKET
    topic = variables[r.ENV_ALERT_TOPIC_ARN]["Fn::GetStackOutput"]
    assert topic["StackName"] == synthesized.stacks.alerts.stack_name and "AlertTopic" in topic["OutputName"]
    # The embedded runtime sets the same variables.
    assert set(local_aws.function_environment()) >= ENV_KEYS


def test_one_schedule_per_account_that_pulls_purchase_orders(synthesized: Synthesized) -> None:
    function = _id(synthesized, synthesized.stacks.ingestion.purchase_orders.function.function)
    rules = [rule["Properties"] for rule in synthesized.resources(_stack(synthesized), "AWS::Events::Rule").values()
             if any(t["Arn"] == {"Fn::GetAtt": [function, "Arn"]} for t in rule["Properties"]["Targets"])]
    accounts = {a.name: a.purchase_orders for a in synthesized.config.accounts}
    assert {name: orders.enabled for name, orders in accounts.items()} == {"acme-us": True, "acme-eu": False}
    (rule,) = rules  # the disabled account has none
    assert rule["ScheduleExpression"] == accounts["acme-us"].schedule == "cron(20 * * * ? *)"
    assert rule["State"] == "ENABLED"
    (target,) = rule["Targets"]
    assert json.loads(target["Input"]) == {r.PURCHASE_ORDERS_EVENT_ACCOUNT: "acme-us"}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": SCHEDULED_RUN_RETRIES}
    permissions = [p["Properties"] for p in synthesized.resources(_stack(synthesized), "AWS::Lambda::Permission")
                   .values() if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function, "Arn"]}]
    assert [(p["Action"], p["Principal"]) for p in permissions] == [("lambda:InvokeFunction", "events.amazonaws.com")]


def test_role_allows_exactly_what_the_pull_needs(synthesized: Synthesized) -> None:
    ingestion = synthesized.stacks.ingestion
    pull = ingestion.purchase_orders
    grants = grants_of(_statements(synthesized))
    table = f"<{_id(synthesized, pull.orders.table)}.Arn>"
    ingestion_key = f"<{_id(synthesized, ingestion.key)}.Arn>"
    lake = f"arn:aws:s3:::{LAKE_BUCKET}"
    expected = {
        f"<{_id(synthesized, pull.function.log_group)}.Arn>": {"logs:CreateLogStream", "logs:PutLogEvents"},
        "arn:aws:ssm:<region>:<account>:parameter/"
        f"<{_id(synthesized, ingestion.deployment_config.parameter)}>": {"ssm:GetParameter"},
        "arn:aws:secretsmanager:<region>:<account>:secret:vendorcast/acme-us/spapi-??????": {
            "secretsmanager:GetSecretValue"},
        f"<{_id(synthesized, ingestion.tables.rate_limits)}.Arn>": {"dynamodb:GetItem", "dynamodb:PutItem"},
        table: {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem",
                "dynamodb:PutItem", "dynamodb:Query"},
        f"{table}/index/{r.PURCHASE_ORDERS_OPEN_INDEX}": {"dynamodb:Query"},
        f"{table}/index/{r.PURCHASE_ORDERS_WEEK_INDEX}": {"dynamodb:Query"},
        f"{lake}/{r.LANDING_PREFIX}/purchase_orders/*": {"s3:PutObject"},
        **{f"{lake}/{r.RAW_PREFIX}/{raw}/*": {"s3:PutObject"} for raw in PO_RAW_TABLES},
        f"<{_id(synthesized, pull.document_dead_letters)}.Arn>": {"sqs:SendMessage"},
        # Lambda, with the role, puts a failed asynchronous run into the function's own dead-letter queue.
        f"<{_id(synthesized, pull.function.dead_letters)}.Arn>": {"sqs:SendMessage"},
        # Its table and queue (through DynamoDB and SQS, checked below).
        ingestion_key: {"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"},
    }
    cross_stack = {resource: actions for resource, actions in grants.items() if resource.startswith("<Vendorcast-")}
    assert {resource: actions for resource, actions in grants.items() if resource not in cross_stack} == expected
    # The other stacks' resources: the alert topic (never the ops topic) and the keys of the topics and the lake.
    alerts, lake_stack = synthesized.stacks.alerts.stack_name, synthesized.stacks.lake.stack_name
    assert {(resource.split(":")[0], actions == {"sns:Publish"}) for resource, actions in cross_stack.items()} == {
        (f"<{alerts}", True), (f"<{alerts}", False), (f"<{lake_stack}", False)}
    (topic,) = [resource for resource, actions in cross_stack.items() if actions == {"sns:Publish"}]
    assert "AlertTopic" in topic and "OpsTopic" not in topic
    # Every key, its own stack's or another's, only through the service that owns the data.
    for statement in _statements(synthesized):
        if any(action.startswith("kms:") for action in _listed(statement["Action"])):
            assert "kms:ViaService" in statement["Condition"]["StringEquals"]
    assert not [a for s in _statements(synthesized) for a in _listed(s["Action"]) if "*" in a]


def test_lake_grant_stays_out_of_other_zones_and_tables(synthesized: Synthesized) -> None:
    text = json.dumps(_statements(synthesized))
    for zone in (r.CURATED_PREFIX, r.FORECAST_PREFIX, f"{r.RAW_PREFIX}/catalog", f"{r.RAW_PREFIX}/*",
                 f"{r.LANDING_PREFIX}/*"):
        assert f"/{zone}" not in text
    assert "s3:GetObject" not in text and "s3:DeleteObject" not in text and "s3:ListBucket" not in text


def test_alarms_on_errors_throttles_and_dead_letters(synthesized: Synthesized) -> None:
    monitoring = synthesized.stacks.monitoring
    alarms = [a["Properties"] for a in synthesized.resources(monitoring.stack_name, "AWS::CloudWatch::Alarm").values()]

    def watched(alarm: dict[str, Any]) -> str:
        return alarm["Dimensions"][0]["Value"]["Fn::GetStackOutput"]["OutputName"]

    function = {a["MetricName"] for a in alarms
                if a.get("Namespace") == "AWS/Lambda" and "PurchaseOrdersPullPurchaseOrdersFunction" in watched(a)}
    assert function == {"Errors", "Throttles"}
    (queue,) = [a for a in alarms if a.get("Namespace") == "AWS/SQS" and "PurchaseOrdersPullDeadLetters" in watched(a)]
    assert queue["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert (queue["Threshold"], queue["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    (action,) = queue["AlarmActions"]
    assert "OpsTopic" in action["Fn::GetStackOutput"]["OutputName"]
