"""Monitoring: alarms to the ops topic (a dead letter of the report events, the catalog items, the purchase orders
or a function's asynchronous runs, function errors and throttles, no report landed for the configured number of
days, a forecast run that failed or timed out), an e-mail for each failed run of the lake's publishing job, and one
CloudWatch dashboard of the pipeline."""

from __future__ import annotations

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.alerts import AlertsStack
from stacks.catalog import CatalogStack
from stacks.forecasting import ForecastingStack
from stacks.grants import GLUE_METRICS_NAMESPACE
from stacks.ingestion import IngestionStack
from stacks.lambda_function import VendorcastFunction
from stacks.publish_lake_job import PublishLakeJob
from stacks.publishing import PublishingStack
from vendorcast.config import AlertsConfig
from vendorcast.resources import LANDED_ACTION, PROCESSED_EVENT_MESSAGE

# process_reports logs this message, with `action`, for every event it handles
# (lambdas/process_reports/handler.py); a landed document is counted from that line.
REPORTS_LANDED_METRIC = "ReportsLanded"
FUNCTION_ALARM_PERIOD = Duration.minutes(5)
AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
# The ends of a Glue job run that need a person (SUCCEEDED and STOPPED, a person's own doing, do not).
GLUE_RUN_FAILED_STATES = ("FAILED", "TIMEOUT", "ERROR")


@jsii.implements(events.IRuleTarget)
class _OpsTopicTarget:
    """A rule's message to the ops topic. Unlike aws_events_targets.SnsTopic it adds no topic policy: the alerts
    stack already lets this account's rules publish, and only this account's (aws:SourceAccount)."""

    def __init__(self, topic: sns.ITopic, message: events.RuleTargetInput) -> None:
        self._topic = topic
        self._message = message

    def bind(self, rule: events.IRule, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(arn=self._topic.topic_arn, input=self._message)


def functions_with_dead_letters(*stacks: Stack) -> list[VendorcastFunction]:
    """Every function of `stacks` that Lambda invokes asynchronously (the ones with a dead-letter queue), found
    rather than listed, so that a function added to a stack gets its alarm."""
    return [construct for stack in stacks for construct in stack.node.find_all()
            if isinstance(construct, VendorcastFunction) and construct.dead_letters is not None]


def metrics_namespace(prefix: str) -> str:
    """Custom metrics of one deployment (metric filters cannot add a constant dimension)."""
    return f"vendorcast/{prefix}"


class MonitoringStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, ingestion: IngestionStack,
                 publishing: PublishingStack, catalog: CatalogStack, forecasting: ForecastingStack,
                 alerts: AlertsStack, alerts_config: AlertsConfig, namespace: str, dashboard_name: str,
                 **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._notify = actions.SnsAction(alerts.ops_topic)
        self.alarms: list[cloudwatch.Alarm] = []

        dead_letters = ingestion.report_events.dead_letters.metric_approximate_number_of_messages_visible(
            period=FUNCTION_ALARM_PERIOD, statistic=cloudwatch.Stats.MAXIMUM)
        self._alarm("ReportEventsDeadLetters", dead_letters,
                    "A report event failed for good and waits in the dead-letter queue (its failure reason is a "
                    "message attribute); fix the cause, then redrive it to the report-events queue.",
                    notify_recovery=True)

        catalog_dead_letters = catalog.items.dead_letters.metric_approximate_number_of_messages_visible(
            period=FUNCTION_ALARM_PERIOD, statistic=cloudwatch.Stats.MAXIMUM)
        self._alarm("CatalogItemsDeadLetters", catalog_dead_letters,
                    "A catalog-items message failed for good and waits in the dead-letter queue (its failure reason is "
                    "a message attribute): its ASINs were not looked at, and its run's digest went out without them. "
                    "Fix the cause, then redrive it to the catalog-items queue.",
                    notify_recovery=True)

        po_dead_letters = ingestion.purchase_orders.document_dead_letters.metric_approximate_number_of_messages_visible(
            period=FUNCTION_ALARM_PERIOD, statistic=cloudwatch.Stats.MAXIMUM)
        self._alarm("PurchaseOrdersRefusedDocuments", po_dead_letters,
                    "A purchase order failed Amazon's model and waits in the purchase-orders dead-letter queue with "
                    "its reason, naming the PO and the field; the rest of its page landed. The message says what to "
                    "fix (docs/operations.md).",
                    notify_recovery=True)

        for function in functions_with_dead_letters(ingestion, catalog, forecasting):
            queue = function.dead_letters
            self._alarm(
                f"{function.node.id}DeadLetters",
                queue.metric_approximate_number_of_messages_visible(period=FUNCTION_ALARM_PERIOD,
                                                                    statistic=cloudwatch.Stats.MAXIMUM),
                f"A run of {function.name} that Lambda invoked asynchronously (its schedule, or an invoke with "
                "--invocation-type Event) failed after Lambda's retries, or waited out its maximum age while "
                "throttled; the event waits in the function's dead-letter queue with Lambda's ErrorCode and "
                "ErrorMessage attributes. The next scheduled run carries on; fix the cause, then invoke the function "
                "with the message's body if that run must still happen, and delete the message.",
                notify_recovery=True)

        for function in (*ingestion.functions, *catalog.functions):
            name = function.node.id
            self._alarm(f"{name}Errors", function.function.metric_errors(period=FUNCTION_ALARM_PERIOD),
                        f"vendorcast {name} failed; its log group has the error.")
            self._alarm(f"{name}Throttles", function.function.metric_throttles(period=FUNCTION_ALARM_PERIOD),
                        f"vendorcast {name} was throttled (a run still going when the next one started, or the "
                        "account's Lambda concurrency is used up).")

        logs.MetricFilter(
            self, "ReportsLandedFilter",
            log_group=ingestion.process_reports.log_group,
            filter_pattern=logs.FilterPattern.all(
                logs.FilterPattern.string_value("$.message", "=", PROCESSED_EVENT_MESSAGE),
                logs.FilterPattern.string_value("$.action", "=", LANDED_ACTION),
            ),
            metric_namespace=namespace,
            metric_name=REPORTS_LANDED_METRIC,
            metric_value="1",
        )
        days = alerts_config.no_report_landed_days
        self.reports_landed = cloudwatch.Metric(namespace=namespace, metric_name=REPORTS_LANDED_METRIC,
                                                statistic=cloudwatch.Stats.SUM, period=Duration.days(1))
        self._alarm("NoReportLanded", self.reports_landed,
                    f"No report document has landed in the lake for {days} day(s): check the request_reports and "
                    "process_reports logs, the ledger's failed requests and the SP-API credentials.",
                    threshold=1, comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                    evaluation_periods=days, missing=cloudwatch.TreatMissingData.BREACHING, notify_recovery=True)

        self.publish_lake_failed = self._notify_failed_runs(publishing.publish_lake, alerts)
        self._forecast_alarms(forecasting)

        self.dashboard = self._dashboard(dashboard_name, ingestion, publishing.publish_lake)
        self.dashboard.add_widgets(*self._forecast_widgets(forecasting))
        self.dashboard.add_widgets(self._catalog_widget(catalog))

    def _forecast_alarms(self, forecasting: ForecastingStack) -> None:
        """A forecast run that ended badly, and a weekly start that did not happen. (Each failed run also
        e-mails the alert topic itself, naming the step; the alarm tells operations.)"""
        machine = forecasting.workflow.state_machine
        runbook = "docs/operations.md, \"A failed forecast run\""
        self._alarm("ForecastRunFailed", machine.metric_failed(period=FUNCTION_ALARM_PERIOD),
                    f"A forecast run failed; the alert e-mail and the forecast_runs table name the step and the "
                    f"error. See {runbook}.")
        self._alarm("ForecastRunTimedOut", machine.metric_timed_out(period=FUNCTION_ALARM_PERIOD),
                    "A forecast run outlived the workflow's time limit and was stopped by Step Functions (no e-mail "
                    f"went to the alert topic). See {runbook}.")
        self._alarm("ForecastRunThrottled", machine.metric_throttled(period=FUNCTION_ALARM_PERIOD),
                    "Step Functions throttled the forecast workflow's state transitions (the account's Step "
                    "Functions quotas are used up); runs slow down or fail.")
        starter = forecasting.starter
        self._alarm("ForecastStarterErrors", starter.function.metric_errors(period=FUNCTION_ALARM_PERIOD),
                    "The weekly forecast start failed, so no run started; the forecast_start log group has the "
                    f"error. See {runbook}.")
        self._alarm("ForecastStarterThrottles", starter.function.metric_throttles(period=FUNCTION_ALARM_PERIOD),
                    "The weekly forecast start was throttled (the account's Lambda concurrency is used up); "
                    "EventBridge retries it twice.")

    def _forecast_widgets(self, forecasting: ForecastingStack) -> list[cloudwatch.IWidget]:
        """Forecast runs per day by how they ended, how long they took, and what their functions cost in time."""
        machine = forecasting.workflow.state_machine
        day = Duration.days(1)
        functions = forecasting.workflow.functions.values()
        return [
            cloudwatch.GraphWidget(
                title="Forecast runs", width=8,
                left=[machine.metric_started(period=day, label="started"),
                      machine.metric_succeeded(period=day, label="succeeded"),
                      machine.metric_failed(period=day, label="failed"),
                      machine.metric_timed_out(period=day, label="timed out")],
            ),
            cloudwatch.GraphWidget(
                title="Forecast run time (minutes)", width=8,
                left=[cloudwatch.MathExpression(expression="time / 60000", label="longest run", period=day,
                                                using_metrics={"time": machine.metric_time(
                                                    period=day, statistic=cloudwatch.Stats.MAXIMUM)})],
            ),
            cloudwatch.GraphWidget(
                title="Forecast functions: duration p95 (ms)", width=8,
                left=[f.function.metric_duration(statistic="p95", period=day, label=f.node.id) for f in functions],
            ),
        ]

    def _notify_failed_runs(self, job: PublishLakeJob, alerts: AlertsStack) -> events.Rule:
        """One e-mail to the ops topic per failed run, naming the run and Glue's reason (a CloudWatch alarm on
        the same events would only add a second, vaguer mail)."""
        run, state, reason = (events.EventField.from_path(f"$.detail.{field}")
                              for field in ("jobRunId", "state", "message"))
        message = (f"vendorcast: the lake's publishing job {job.job_name} ended {state} in run {run}: {reason} "
                   f"Its log streams start with the run id in the CloudWatch log group "
                   f"{job.log_groups['error'].log_group_name}. The curated tables keep what the last good run "
                   "published; the next scheduled run picks up from there, or start one now with "
                   f"aws glue start-job-run --job-name {job.job_name}")
        return events.Rule(
            self, "PublishLakeFailed",
            description=f"vendorcast: e-mail the ops topic when a run of {job.job_name} fails",
            event_pattern=events.EventPattern(
                source=["aws.glue"], detail_type=["Glue Job State Change"],
                detail={"jobName": [job.job_name], "state": list(GLUE_RUN_FAILED_STATES)},
            ),
            targets=[_OpsTopicTarget(alerts.ops_topic, events.RuleTargetInput.from_text(message))],
        )

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str, *, threshold: float = 1,
               comparison: cloudwatch.ComparisonOperator = AT_LEAST, evaluation_periods: int = 1,
               missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
               notify_recovery: bool = False) -> None:
        """An alarm to the ops topic; `notify_recovery` also mails when a lasting condition clears."""
        alarm = cloudwatch.Alarm(self, construct_id, metric=metric, threshold=threshold,
                                 comparison_operator=comparison, evaluation_periods=evaluation_periods,
                                 treat_missing_data=missing, alarm_description=description)
        alarm.add_alarm_action(self._notify)
        if notify_recovery:
            alarm.add_ok_action(self._notify)
        self.alarms.append(alarm)

    def _dashboard(self, name: str, ingestion: IngestionStack, job: PublishLakeJob) -> cloudwatch.Dashboard:
        queue = ingestion.report_events
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=name,
                                         default_interval=Duration.days(14))
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24, height=4),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Report documents landed per day", left=[self.reports_landed], width=8),
            cloudwatch.GraphWidget(
                title="Report events", width=8,
                left=[queue.queue.metric_approximate_number_of_messages_visible(label="waiting"),
                      queue.dead_letters.metric_approximate_number_of_messages_visible(label="dead letters")],
                right=[queue.queue.metric_approximate_age_of_oldest_message(label="oldest (s)")],
            ),
            cloudwatch.GraphWidget(
                title="Function errors and throttles", width=8,
                left=[metric for function in ingestion.functions for metric in (
                    function.function.metric_errors(label=f"{function.node.id} errors"),
                    function.function.metric_throttles(label=f"{function.node.id} throttles"))],
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Invocations", width=12,
                left=[f.function.metric_invocations(label=f.node.id) for f in ingestion.functions],
            ),
            cloudwatch.GraphWidget(
                title="Duration p95 (ms)", width=12,
                left=[f.function.metric_duration(statistic="p95", label=f.node.id) for f in ingestion.functions],
            ),
        )
        dashboard.add_widgets(self._publishing_widget(job))
        return dashboard

    @staticmethod
    def _catalog_widget(catalog: CatalogStack) -> cloudwatch.GraphWidget:
        """The catalog watch's queue (a run's chunks waiting, dead letters) and its functions' errors."""
        queue = catalog.items
        return cloudwatch.GraphWidget(
            title="Catalog watch", width=24,
            left=[queue.queue.metric_approximate_number_of_messages_visible(label="chunks waiting"),
                  queue.dead_letters.metric_approximate_number_of_messages_visible(label="dead letters")],
            right=[f.function.metric_errors(label=f"{f.node.id} errors") for f in catalog.functions],
        )

    def _publishing_widget(self, job: PublishLakeJob) -> cloudwatch.GraphWidget:
        """Failed runs of the publishing job per day, and its run time and input (Glue job metrics, all runs)."""
        day = Duration.days(1)
        failed_runs = cloudwatch.Metric(namespace="AWS/Events", metric_name="TriggeredRules",
                                        dimensions_map={"RuleName": self.publish_lake_failed.rule_name},
                                        statistic=cloudwatch.Stats.SUM, period=day, label="failed runs")

        def job_metric(metric_name: str, kind: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(namespace=GLUE_METRICS_NAMESPACE, metric_name=metric_name,
                                     dimensions_map={"JobName": job.job_name, "JobRunId": "ALL", "Type": kind},
                                     statistic=cloudwatch.Stats.MAXIMUM, period=day)

        return cloudwatch.GraphWidget(
            title=f"Lake publishing ({job.job_name})", width=24,
            left=[failed_runs,
                  cloudwatch.MathExpression(expression="elapsed / 60000", label="longest run (minutes)", period=day,
                                            using_metrics={"elapsed": job_metric(
                                                "glue.driver.aggregate.elapsedTime", "count")})],
            right=[cloudwatch.MathExpression(expression="read / 1048576", label="MiB read (largest run)", period=day,
                                             using_metrics={"read": job_metric(
                                                 "glue.driver.aggregate.bytesRead", "count")})],
        )
