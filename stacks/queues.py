"""A dead-letter queue, the same for every queue and function that has one: encrypted with its stack's key,
reached over TLS only, keeping what failed for good for two weeks (the longest SQS keeps a message)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

DEAD_LETTERS_KEPT_FOR = Duration.days(14)


def dead_letter_queue(scope: Construct, construct_id: str, *, key: kms.IKey) -> sqs.Queue:
    return sqs.Queue(
        scope, construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        data_key_reuse=Duration.hours(1),
        enforce_ssl=True,
        retention_period=DEAD_LETTERS_KEPT_FOR,
    )
