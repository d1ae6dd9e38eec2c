"""What goes wrong on the way in: a poison message, refused credentials. Nothing is lost, and each failure
says what to fix."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from vendorcast import resources as r
from vendorcast.clock import ScaledClock
from vendorcast.config import parse_config
from vendorcast.ingestion.ledger import RequestStatus
from vendorcast.ingestion.report_events import FAILURE_REASON_ATTRIBUTE
from vendorcast.local.runtime import LocalPipeline
from vendorcast.sandbox.settings import SandboxSettings
from vendorcast.spapi.errors import SpApiAuthError

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 21, 6, tzinfo=UTC)


def small_config():
    return parse_config({"accounts": [{
        "name": "acme-us", "region": "NA", "marketplace_ids": ["ATVPDKIKX0DER"],
        "secret_name": "vendorcast/acme-us/spapi",
        "backfill_start": (START.date() - timedelta(weeks=4)).isoformat(),
    }]})


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.1)


def test_a_poison_message_goes_to_the_dlq_with_its_reason_and_its_batch_still_lands() -> None:
    sandbox = SandboxSettings(seed=5, n_asins=5, history_start=date(2025, 1, 1))
    with LocalPipeline(small_config(), sandbox, ScaledClock.starting_at(START, 600)) as pipeline:
        pipeline.stop_event_source()
        requested = pipeline.request_reports()["requested"]
        assert requested >= 7
        # Amazon's notifications arrive; a poison message sits among them.
        wait_for(lambda: pipeline.queue_depth() >= requested)
        sqs = pipeline.aws.client("sqs")
        poison = '{"notificationType": 42'
        poison_id = sqs.send_message(QueueUrl=pipeline.aws.queue_url, MessageBody=poison)["MessageId"]

        deadline = time.monotonic() + 60
        while pipeline.queue_depth() and time.monotonic() < deadline:
            if not pipeline.process_events():
                time.sleep(0.2)  # failed messages come back after the visibility timeout

        batches = pipeline.event_source.batches
        poison_batches = [(ids, failed) for ids, failed in batches if poison_id in ids]
        assert len(poison_batches) == r.REPORT_EVENTS_MAX_RECEIVE_COUNT, "received the configured number of times"
        shared = next((ids, failed) for ids, failed in poison_batches if len(ids) > 1)
        assert shared[1] == [poison_id], "only the poison message failed in its batch"
        assert poison_batches[-1][1] == [], "on its last receive it was dead-lettered, not failed again"

        dead = sqs.receive_message(QueueUrl=pipeline.aws.dlq_url, MaxNumberOfMessages=10,
                                   MessageAttributeNames=["All"]).get("Messages", [])
        assert len(dead) == 1
        assert dead[0]["Body"] == poison
        reason = dead[0]["MessageAttributes"][FAILURE_REASON_ATTRIBUTE]["StringValue"]
        assert reason.startswith("MalformedEvent: message body is not JSON")
        assert dead[0]["MessageAttributes"]["receive_count"]["StringValue"] == str(r.REPORT_EVENTS_MAX_RECEIVE_COUNT)

        entries = pipeline.entries()
        assert len(entries) == requested
        assert all(e.status is RequestStatus.LANDED for e in entries), [(e.request_key, e.status) for e in entries]


def test_refused_credentials_stop_the_run_with_one_clear_message_and_lose_nothing() -> None:
    sandbox = SandboxSettings(seed=5, n_asins=5, history_start=date(2025, 1, 1))
    config = small_config()
    with LocalPipeline(config, sandbox, ScaledClock.starting_at(START, 600)) as pipeline:
        pipeline.stop_event_source()
        wrong = {"refresh_token": sandbox.refresh_token, "lwa_app_id": sandbox.lwa_client_id,
                 "lwa_client_secret": "amzn1.oa2-cs.v1.rotated-away-long-ago"}
        pipeline.aws.client("secretsmanager").put_secret_value(
            SecretId=config.accounts[0].secret_name, SecretString=json.dumps(wrong))
        with pytest.raises(SpApiAuthError) as error:
            pipeline.request_reports()
        message = str(error.value)
        assert "SP-API refused the credentials for account 'acme-us'" in message
        assert "invalid_client" in message
        assert "rotating the client secret" in message
        assert wrong["lwa_client_secret"] not in message and sandbox.refresh_token not in message
        # The window it was about to request is kept for the next run, not lost or marked failed.
        entries = pipeline.entries()
        assert len(entries) == 1
        assert entries[0].status is RequestStatus.RETRY_LATER
        assert entries[0].reason == "credentials refused"


def test_terminal_failures_alert_the_operator_once_and_cancelled_reports_record_no_data() -> None:
    config = parse_config({"accounts": [
        {   # Amazon answers FRESH requests of a vendor without grocery items with CANCELLED (no data).
            "name": "acme-us", "region": "NA", "marketplace_ids": ["ATVPDKIKX0DER"],
            "secret_name": "vendorcast/acme-us/spapi",
            "backfill_start": (START.date() - timedelta(weeks=3)).isoformat(),
            "reports": [{"report_type": "GET_VENDOR_SALES_REPORT", "report_period": "WEEK",
                         "distributor_view": "MANUFACTURING", "selling_program": "FRESH"}],
        },
        {   # The vendor sells in the US only: Amazon fails reports for Canada for good.
            "name": "acme-ca", "region": "NA", "marketplace_ids": ["A2EUQ1WTGCTBG2"],
            "secret_name": "vendorcast/acme-ca/spapi",
            "backfill_start": (START.date() - timedelta(weeks=3)).isoformat(),
            "reports": [{"report_type": "GET_VENDOR_TRAFFIC_REPORT", "report_period": "WEEK"}],
        },
    ]})
    sandbox = SandboxSettings(seed=5, n_asins=5, history_start=date(2025, 1, 1))
    with LocalPipeline(config, sandbox, ScaledClock.starting_at(START, 600)) as pipeline:
        sqs, sns = pipeline.aws.client("sqs"), pipeline.aws.client("sns")
        inbox = sqs.create_queue(QueueName="operator-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=pipeline.aws.topic_arn, Protocol="sqs", Endpoint=inbox_arn,
                      Attributes={"RawMessageDelivery": "true"})
        pipeline.run_until_settled(timeout=120)

        entries = {e.account: e for e in pipeline.entries()}
        assert len(pipeline.entries()) == 2, "each failed window is requested once, not again and again"
        assert entries["acme-us"].status is RequestStatus.NO_DATA
        failed = entries["acme-ca"]
        assert failed.status is RequestStatus.FAILED
        assert failed.reason.startswith("WRONG_MARKETPLACE: ")
        alerts = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", [])
        assert len(alerts) == 1
        assert failed.request_key in alerts[0]["Body"] and "WRONG_MARKETPLACE" in alerts[0]["Body"]
        assert not pipeline.aws.client("s3").list_objects_v2(Bucket=r.LAKE_BUCKET, Prefix="raw/").get("Contents")
