"""The report-events queue: SP-API delivers REPORT_PROCESSING_FINISHED into it (and poll_reports queues what
SP-API did not deliver); process_reports consumes it; a message that keeps failing moves to its DLQ."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.encryption import via_service
from stacks.queues import dead_letter_queue
from vendorcast.resources import REPORT_EVENTS_MAX_RECEIVE_COUNT

# What SP-API needs on the queue when a destination is created and each time it delivers.
SPAPI_QUEUE_ACTIONS = ("sqs:GetQueueAttributes", "sqs:SendMessage")
# What SP-API needs on the queue's key to send into an SSE-KMS queue.
SPAPI_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
# A consumer's visibility timeout should be six times its function timeout (AWS Lambda's SQS guidance).
VISIBILITY_TIMEOUT_FACTOR = 6


class ReportEventsQueue(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, consumer_timeout: Duration,
                 sender_accounts: Sequence[str]) -> None:
        """`sender_accounts`: SP-API's notification senders of the config's regions (resources.
        notification_sender_accounts); none: the queue takes only what poll_reports queues."""
        super().__init__(scope, construct_id)
        self.dead_letters = dead_letter_queue(self, "DeadLetters", key=key)
        self.queue = sqs.Queue(
            self, "Queue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            data_key_reuse=Duration.hours(1),
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(consumer_timeout.to_seconds() * VISIBILITY_TIMEOUT_FACTOR),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letters,
                                                  max_receive_count=REPORT_EVENTS_MAX_RECEIVE_COUNT),
        )
        if not sender_accounts:
            return
        senders = [iam.ArnPrincipal(f"arn:aws:iam::{account}:root") for account in sender_accounts]
        self.queue.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowSellingPartnerApiNotifications",
            principals=senders,
            actions=list(SPAPI_QUEUE_ACTIONS),
            resources=[self.queue.queue_arn],
        ))
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowSellingPartnerApiNotificationsThroughSqs",
            principals=senders,
            actions=list(SPAPI_KEY_ACTIONS),
            resources=["*"],
            conditions=via_service("sqs"),
        ))
