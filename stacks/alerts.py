"""Alerts: the alert topic (catalog changes, forecast summaries) and the ops topic (alarms, reports given up),
both encrypted, with the config's e-mail recipients subscribed to each."""

from __future__ import annotations

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.encryption import data_key
from vendorcast.config import AlertsConfig


class AlertsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, alerts: AlertsConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.key: kms.Key = data_key(self, "TopicsKey", "vendorcast alerts: SNS alert and ops topics")
        # CloudWatch alarms and EventBridge rules (failed Glue job runs) publish to the ops topic; an encrypted
        # topic accepts them only if the service may use its key
        # (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
        for sid, service in (("AllowCloudWatchAlarmsToPublish", "cloudwatch.amazonaws.com"),
                             ("AllowEventBridgeRulesToPublish", "events.amazonaws.com")):
            self.key.add_to_resource_policy(iam.PolicyStatement(
                sid=sid,
                principals=[iam.ServicePrincipal(service)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            ))

        self.alert_topic = sns.Topic(self, "AlertTopic", display_name="vendorcast alerts",
                                     master_key=self.key, enforce_ssl=True)
        self.ops_topic = sns.Topic(self, "OpsTopic", display_name="vendorcast operations",
                                   master_key=self.key, enforce_ssl=True)
        # EventBridge rules of this account (failed Glue job runs, see MonitoringStack) publish to the ops topic.
        self.ops_topic.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowEventBridgeRulesOfThisAccountToPublish",
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[self.ops_topic.topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
        ))
        for email in alerts.emails:
            for topic in (self.alert_topic, self.ops_topic):
                topic.add_subscription(subscriptions.EmailSubscription(email))

        CfnOutput(self, "AlertTopicArn", value=self.alert_topic.topic_arn,
                  description="SNS topic of catalog and forecast alerts")
        CfnOutput(self, "OpsTopicArn", value=self.ops_topic.topic_arn,
                  description="SNS topic of alarms and failed reports")
