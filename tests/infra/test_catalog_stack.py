"""The catalog stack's template: the catalog table and queues as the local runtime builds them, catalog_item's
bounded concurrency, the schedule, the partner-bus rule for SP-API's catalog notifications (only when configured),
and what each function's role allows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk.assertions import Match

from stacks.catalog import CATALOG_ITEM_TIMEOUT, CatalogStack
from stacks.deployment import add_vendorcast_stacks, new_app
from stacks.lambda_function import POWERTOOLS_ENVIRONMENT
from stacks.report_events import VISIBILITY_TIMEOUT_FACTOR
from vendorcast import resources as r
from vendorcast.config import parse_config
from vendorcast.local.aws import LocalAws, catalog_notification_pattern

if TYPE_CHECKING:
    from conftest import Synthesized

COMMON_ENV_KEYS = {r.ENV_CONFIG_PARAMETER, r.ENV_CATALOG_TABLE, r.ENV_CATALOG_QUEUE_URL, r.ENV_LAKE_BUCKET,
                   r.ENV_ALERT_TOPIC_ARN, r.ENV_POWERTOOLS_SERVICE_NAME}
ENV_KEYS = {"catalog_watch": COMMON_ENV_KEYS | {r.ENV_LEDGER_TABLE},
            "catalog_item": COMMON_ENV_KEYS | {r.ENV_RATE_LIMIT_TABLE, r.ENV_CATALOG_DLQ_URL}}


def _stack(synthesized: Synthesized) -> str:
    return synthesized.stacks.catalog.stack_name


def _logical_id(synthesized: Synthesized, construct: Any) -> str:
    return synthesized.stacks.catalog.get_logical_id(construct.node.default_child)


def _resource(synthesized: Synthesized, construct: Any) -> dict[str, Any]:
    return synthesized.templates[_stack(synthesized)]["Resources"][_logical_id(synthesized, construct)]


def _statements(synthesized: Synthesized, name: str) -> list[dict[str, Any]]:
    policy = getattr(synthesized.stacks.catalog, name).role.node.find_child("DefaultPolicy")
    return _resource(synthesized, policy)["Properties"]["PolicyDocument"]["Statement"]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _actions(name: str, synthesized: Synthesized) -> set[str]:
    return {a for s in _statements(synthesized, name) for a in _listed(s["Action"])}


@pytest.fixture(scope="module")
def local_aws(synthesized: Synthesized) -> Iterator[LocalAws]:
    aws = LocalAws.start()
    try:
        aws.create_resources(synthesized.config, credentials={})
        yield aws
    finally:
        aws.stop()


def test_catalog_table_matches_the_local_runtime_and_is_kept(synthesized: Synthesized, local_aws: LocalAws) -> None:
    table = _resource(synthesized, synthesized.stacks.catalog.catalog.table)
    local = local_aws.client("dynamodb").describe_table(TableName=r.CATALOG_TABLE)["Table"]
    assert table["Properties"]["KeySchema"] == local["KeySchema"]
    assert sorted(table["Properties"]["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        local["AttributeDefinitions"], key=lambda a: a["AttributeName"])
    ttl = local_aws.client("dynamodb").describe_time_to_live(TableName=r.CATALOG_TABLE)["TimeToLiveDescription"]
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": ttl["AttributeName"],
                                                             "Enabled": True}
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    key = {"Fn::GetAtt": [_logical_id(synthesized, synthesized.stacks.catalog.key), "Arn"]}
    assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}
    assert table["Properties"]["DeletionProtectionEnabled"] is True and table["DeletionPolicy"] == "Retain"


def test_catalog_items_queue_redrives_to_its_dlq_and_outlasts_its_consumer(synthesized: Synthesized) -> None:
    items = synthesized.stacks.catalog.items
    queue = _resource(synthesized, items.queue)["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [_logical_id(synthesized, items.dead_letters), "Arn"]},
        "maxReceiveCount": r.CATALOG_ITEMS_MAX_RECEIVE_COUNT}
    assert queue["VisibilityTimeout"] == CATALOG_ITEM_TIMEOUT.to_seconds() * VISIBILITY_TIMEOUT_FACTOR
    assert "KmsMasterKeyId" in queue and "KmsMasterKeyId" in _resource(synthesized, items.dead_letters)["Properties"]


def test_catalog_item_takes_one_chunk_at_a_time_in_at_most_two_environments(synthesized: Synthesized) -> None:
    template = synthesized.template(_stack(synthesized))
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 1)
    template.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "EventSourceArn": {"Fn::GetAtt": [_logical_id(synthesized, synthesized.stacks.catalog.items.queue), "Arn"]},
        "FunctionName": {"Ref": _logical_id(synthesized, synthesized.stacks.catalog.catalog_item.function)},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BatchSize": r.CATALOG_ITEM_BATCH_SIZE,
        "ScalingConfig": {"MaximumConcurrency": r.CATALOG_ITEM_MAX_CONCURRENCY},
    })


@pytest.mark.parametrize("name", ["catalog_watch", "catalog_item"])
def test_functions_get_what_the_local_runtime_sets(synthesized: Synthesized, local_aws: LocalAws, name: str) -> None:
    properties = _resource(synthesized, getattr(synthesized.stacks.catalog, name).function)["Properties"]
    assert (properties["Runtime"], properties["Architectures"]) == ("python3.12", ["arm64"])
    assert properties["Handler"] == f"lambdas.{name}.handler.handler"
    variables = set(properties["Environment"]["Variables"])
    assert variables == ENV_KEYS[name] | set(POWERTOOLS_ENVIRONMENT)
    assert ENV_KEYS[name] <= set(local_aws.function_environment())
    assert not {r.ENV_SPAPI_ENDPOINT, r.ENV_LWA_TOKEN_URL, r.ENV_TIME_SCALE} & variables


def test_the_watch_runs_on_the_configured_schedule_one_run_at_a_time(synthesized: Synthesized) -> None:
    function = synthesized.stacks.catalog.catalog_watch.function
    assert _resource(synthesized, function)["Properties"]["ReservedConcurrentExecutions"] == 1
    synthesized.template(_stack(synthesized)).has_resource_properties("AWS::Events::Rule", {
        "ScheduleExpression": synthesized.config.schedules.catalog_watch,
        "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [_logical_id(synthesized, function), "Arn"]}})],
    })


def test_catalog_notifications_come_from_the_partner_bus_to_the_queue(synthesized: Synthesized) -> None:
    catalog = synthesized.stacks.catalog
    source = synthesized.config.alerts.catalog.partner_event_source
    template = synthesized.template(_stack(synthesized))
    template.has_resource_properties("AWS::Events::EventBus", {"Name": source, "EventSourceName": source})
    rule = _resource(synthesized, catalog.notifications)["Properties"]
    # The same pattern the local runtime's rule matches with (the emulator puts the notifications on that bus).
    assert rule["EventPattern"] == catalog_notification_pattern()
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [_logical_id(synthesized, catalog.items.queue), "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": [_logical_id(synthesized, catalog.items.dead_letters),
                                                                "Arn"]}
    key = _resource(synthesized, catalog.key)["Properties"]["KeyPolicy"]["Statement"]
    (events_statement,) = [s for s in key if s.get("Principal") == {"Service": "events.amazonaws.com"}]
    # EventBridge may use the queues' key (to send, and to dead-letter), for this account's rules only.
    assert events_statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(events_statement["Action"])


def test_without_a_partner_event_source_there_is_no_partner_rule(tmp_path: Any, example_config_data: dict) -> None:
    app = new_app(outdir=str(tmp_path), skip_bundling=True)
    stacks = add_vendorcast_stacks(app, parse_config(example_config_data))
    catalog: CatalogStack = stacks.catalog
    assert catalog.notifications is None
    app.synth()
    template = json.loads((tmp_path / f"{catalog.stack_name}.template.json").read_text())
    types = [resource["Type"] for resource in template["Resources"].values()]
    assert "AWS::Events::EventBus" not in types and types.count("AWS::Events::Rule") == 1


def test_catalog_item_writes_only_its_raw_tables_and_reads_no_object(synthesized: Synthesized) -> None:
    statements = _statements(synthesized, "catalog_item")
    puts = [s for s in statements if "s3:PutObject" in _listed(s["Action"])]
    zones = {resource["Fn::Join"][1][-1] for s in puts for resource in _listed(s["Resource"])}
    assert zones == {f"/{r.RAW_PREFIX}/catalog_items/*", f"/{r.RAW_PREFIX}/catalog_changes/*"}
    assert not {a for a in _actions("catalog_item", synthesized) if a.startswith("s3:") and a != "s3:PutObject"}
    assert "secretsmanager:GetSecretValue" in _actions("catalog_item", synthesized)


def test_catalog_watch_reads_the_demand_table_and_calls_no_spapi(synthesized: Synthesized) -> None:
    statements = _statements(synthesized, "catalog_watch")
    gets = [resource for s in statements if "s3:GetObject" in _listed(s["Action"])
            for resource in _listed(s["Resource"])]
    assert {g["Fn::Join"][1][-1] for g in gets} >= {f"/{r.CURATED_PREFIX}/demand_weekly/*"}
    assert all("/demand_weekly" in g["Fn::Join"][1][-1] or g["Fn::Join"][1][-1] in (
        f"/{r.CURATED_PREFIX}", f"/{r.CURATED_PREFIX}_$folder$") for g in gets)
    actions = _actions("catalog_watch", synthesized)
    assert "s3:PutObject" not in actions and "secretsmanager:GetSecretValue" not in actions
    assert "dynamodb:Query" in actions  # the ledger's failed reports


def test_only_catalog_watch_queues_chunks(synthesized: Synthesized) -> None:
    queue = {"Fn::GetAtt": [_logical_id(synthesized, synthesized.stacks.catalog.items.queue), "Arn"]}
    senders = [name for name in ("catalog_watch", "catalog_item")
               if any("sqs:SendMessage" in _listed(s["Action"]) and queue in _listed(s["Resource"])
                      for s in _statements(synthesized, name))]
    assert senders == ["catalog_watch"]


@pytest.mark.parametrize("name", ["catalog_watch", "catalog_item"])
def test_roles_name_their_actions_and_use_keys_through_their_services(synthesized: Synthesized, name: str) -> None:
    key = {"Fn::GetAtt": [_logical_id(synthesized, synthesized.stacks.catalog.key), "Arn"]}
    for statement in _statements(synthesized, name):
        actions = _listed(statement["Action"])
        assert statement["Effect"] == "Allow"
        assert all(action != "*" and not action.endswith(":*") for action in actions)
        assert "*" not in _listed(statement["Resource"])
        if any(action.startswith("kms:") for action in actions):
            # Except the decrypt CDK grants the SQS event source (Lambda's poller reads with the function's role).
            consume = name == "catalog_item" and actions == ["kms:Decrypt"] and _listed(statement["Resource"]) == [key]
            assert consume or "kms:ViaService" in statement["Condition"]["StringEquals"]
