"""The monitoring stack's template: every alarm goes to the ops topic, the no-report-landed alarm counts the
log line process_reports really writes, each failed run of the publishing job is mailed, and there is one
dashboard, which shows the publishing job too."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from stacks.monitoring import GLUE_RUN_FAILED_STATES, REPORTS_LANDED_METRIC
from vendorcast.resources import LANDED_ACTION, PROCESSED_EVENT_MESSAGE

if TYPE_CHECKING:
    from conftest import Synthesized


def _stack(synthesized: Synthesized) -> str:
    return synthesized.stacks.monitoring.stack_name


def _alarms(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in synthesized.resources(_stack(synthesized), "AWS::CloudWatch::Alarm").items()}


def test_every_alarm_notifies_the_ops_topic(synthesized: Synthesized) -> None:
    alarms = _alarms(synthesized)
    # Three queues' DLQs (report events, catalog items, purchase orders refused) and the five scheduled functions'
    # own, errors and throttles of the six ingestion, purchase-orders and catalog functions, no report landed;
    # forecast runs failed, timed out and throttled, errors and throttles of the forecast starter.
    assert len(alarms) == 3 + 5 + 2 * 6 + 1 + 3 + 2
    for alarm in alarms.values():
        (action,) = alarm["AlarmActions"]
        assert action["Fn::GetStackOutput"]["StackName"] == synthesized.stacks.alerts.stack_name
        assert "OpsTopic" in action["Fn::GetStackOutput"]["OutputName"]


def test_dead_letter_alarms_fire_on_the_first_message(synthesized: Synthesized) -> None:
    alarms = [a for a in _alarms(synthesized).values() if a.get("Namespace") == "AWS/SQS"]
    queues = []
    for alarm in alarms:
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
        (dimension,) = alarm["Dimensions"]
        queues.append(dimension["Value"]["Fn::GetStackOutput"])
        assert alarm["OKActions"] == alarm["AlarmActions"]
    stacks = synthesized.stacks
    queue_owners = {stacks.ingestion.stack_name: ("ReportEvents", "RequestReports", "PollReports", "PurchaseOrdersPull",
                                                     "PurchaseOrdersPullPurchaseOrders"),
                    stacks.catalog.stack_name: ("CatalogItems", "CatalogWatch"),
                    stacks.forecasting.stack_name: ("Starter",)}
    assert sorted((q["StackName"], q["OutputName"].removeprefix("PublishOutputFnGetAtt").split("DeadLetters")[0])
                  for q in queues) == sorted((stack, owner) for stack, owners in queue_owners.items()
                                             for owner in owners)


def test_each_function_has_error_and_throttle_alarms(synthesized: Synthesized) -> None:
    lambda_alarms = [a for a in _alarms(synthesized).values() if a.get("Namespace") == "AWS/Lambda"]
    for function in ("RequestReports", "PollReports", "ProcessReports", "PurchaseOrders", "CatalogWatch",
                     "CatalogItem"):
        metrics = {a["MetricName"] for a in lambda_alarms
                   if function in a["Dimensions"][0]["Value"]["Fn::GetStackOutput"]["OutputName"]}
        assert metrics == {"Errors", "Throttles"}


def test_no_report_landed_alarm_looks_back_the_configured_days(synthesized: Synthesized) -> None:
    (alarm,) = [a for a in _alarms(synthesized).values() if a.get("MetricName") == REPORTS_LANDED_METRIC]
    assert alarm["Period"] == 86400
    assert alarm["EvaluationPeriods"] == synthesized.config.alerts.no_report_landed_days
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == ("Sum", 1, "LessThanThreshold")
    # No invocations at all is the failure this alarm exists for.
    assert alarm["TreatMissingData"] == "breaching"
    (metric_filter,) = synthesized.resources(_stack(synthesized), "AWS::Logs::MetricFilter").values()
    assert metric_filter["Properties"]["MetricTransformations"] == [
        {"MetricName": REPORTS_LANDED_METRIC, "MetricNamespace": alarm["Namespace"], "MetricValue": "1"}]
    assert "ProcessReportsLogs" in metric_filter["Properties"]["LogGroupName"]["Fn::GetStackOutput"]["OutputName"]
    assert metric_filter["Properties"]["FilterPattern"] == (
        f'{{ ($.message = "{PROCESSED_EVENT_MESSAGE}") && ($.action = "{LANDED_ACTION}") }}')


def test_one_dashboard(synthesized: Synthesized) -> None:
    (dashboard,) = synthesized.resources(_stack(synthesized), "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "Vendorcast-pipeline"


def test_each_failed_publishing_run_mails_the_ops_topic(synthesized: Synthesized) -> None:
    (rule,) = synthesized.resources(_stack(synthesized), "AWS::Events::Rule").values()
    properties = rule["Properties"]
    assert properties["EventPattern"] == {
        "source": ["aws.glue"], "detail-type": ["Glue Job State Change"],
        "detail": {"jobName": ["vendorcast-publish-lake"], "state": list(GLUE_RUN_FAILED_STATES)},
    }
    assert set(GLUE_RUN_FAILED_STATES) == {"FAILED", "TIMEOUT", "ERROR"}
    (target,) = properties["Targets"]
    topic = target["Arn"]["Fn::GetStackOutput"]
    assert topic["StackName"] == synthesized.stacks.alerts.stack_name and "OpsTopic" in topic["OutputName"]
    transformer = target["InputTransformer"]
    assert transformer["InputPathsMap"] == {"detail-jobRunId": "$.detail.jobRunId", "detail-state": "$.detail.state",
                                            "detail-message": "$.detail.message"}
    template = json.dumps(transformer["InputTemplate"])
    for placeholder in ("<detail-jobRunId>", "<detail-state>", "<detail-message>",
                        "aws glue start-job-run --job-name vendorcast-publish-lake"):
        assert placeholder in template


def test_ops_topic_takes_messages_from_this_accounts_rules_only(synthesized: Synthesized) -> None:
    alerts = synthesized.stacks.alerts
    topic = alerts.get_logical_id(alerts.ops_topic.node.default_child)
    policies = [p["Properties"] for p in synthesized.resources(alerts.stack_name, "AWS::SNS::TopicPolicy").values()
                if p["Properties"]["Topics"] == [{"Ref": topic}]]
    (events_statement,) = [s for policy in policies for s in policy["PolicyDocument"]["Statement"]
                           if s.get("Principal") == {"Service": "events.amazonaws.com"}]
    assert events_statement["Action"] == "sns:Publish" and events_statement["Effect"] == "Allow"
    assert events_statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    (key,) = synthesized.resources(alerts.stack_name, "AWS::KMS::Key").values()
    principals = [s["Principal"] for s in key["Properties"]["KeyPolicy"]["Statement"]]
    assert {"Service": "events.amazonaws.com"} in principals


def test_dashboard_shows_the_publishing_job(synthesized: Synthesized) -> None:
    (dashboard,) = synthesized.resources(_stack(synthesized), "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    (rule,) = synthesized.resources(_stack(synthesized), "AWS::Events::Rule")
    assert "TriggeredRules" in body and json.dumps({"Ref": rule}) in body
    for metric in ("glue.driver.aggregate.elapsedTime", "glue.driver.aggregate.bytesRead"):
        assert f'\\"Glue\\",\\"{metric}\\",\\"JobName\\",\\"vendorcast-publish-lake\\",\\"JobRunId\\",\\"ALL\\"' in body
