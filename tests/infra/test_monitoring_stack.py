"""The monitoring stack's template: every alarm goes to the ops topic, the no-report-landed alarm counts the
log line process_reports really writes, and there is one dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stacks.monitoring import REPORTS_LANDED_METRIC
from vendorcast.resources import LANDED_ACTION, PROCESSED_EVENT_MESSAGE

if TYPE_CHECKING:
    from conftest import Synthesized


def _stack(synthesized: Synthesized) -> str:
    return synthesized.stacks.monitoring.stack_name


def _alarms(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in synthesized.resources(_stack(synthesized), "AWS::CloudWatch::Alarm").items()}


def test_every_alarm_notifies_the_ops_topic(synthesized: Synthesized) -> None:
    alarms = _alarms(synthesized)
    # DLQ, errors and throttles of the three functions, no report landed.
    assert len(alarms) == 1 + 2 * 3 + 1
    for alarm in alarms.values():
        (action,) = alarm["AlarmActions"]
        assert action["Fn::GetStackOutput"]["StackName"] == synthesized.stacks.alerts.stack_name
        assert "OpsTopic" in action["Fn::GetStackOutput"]["OutputName"]


def test_dead_letter_alarm_fires_on_the_first_message(synthesized: Synthesized) -> None:
    (alarm,) = [a for a in _alarms(synthesized).values() if a.get("Namespace") == "AWS/SQS"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    (dimension,) = alarm["Dimensions"]
    assert "ReportEventsDeadLetters" in dimension["Value"]["Fn::GetStackOutput"]["OutputName"]
    assert alarm["OKActions"] == alarm["AlarmActions"]


def test_each_function_has_error_and_throttle_alarms(synthesized: Synthesized) -> None:
    lambda_alarms = [a for a in _alarms(synthesized).values() if a.get("Namespace") == "AWS/Lambda"]
    for function in ("RequestReports", "PollReports", "ProcessReports"):
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
