"""The operator commands on a running local pipeline (AWS emulator + SP-API emulator + the Lambda handlers): status
reads what the pipeline did, repull requests windows again at the emulator and they land through process_reports,
redrive sends dead letters back and a message that fails again returns with its new reason."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from click.testing import CliRunner

from tests.integration.moto_server import moto_endpoint
from vendorcast import resources as r
from vendorcast.cli import cli
from vendorcast.clock import ScaledClock
from vendorcast.config import parse_config
from vendorcast.dead_letters import FAILURE_REASON_ATTRIBUTE, dead_letter
from vendorcast.ingestion.events import poller_notification
from vendorcast.ingestion.ledger import RequestStatus
from vendorcast.lake.forecast_tables import FORECAST_RUNS
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import arrow_schema
from vendorcast.local.runtime import LocalPipeline
from vendorcast.reports.windows import PULL_INITIAL
from vendorcast.sandbox.settings import SandboxSettings

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 21, 6, tzinfo=UTC)
BACKFILL_START = START.date() - timedelta(weeks=5)
TRAFFIC = "GET_VENDOR_TRAFFIC_REPORT"
CONFIG = {"accounts": [
    {"name": "acme-us", "region": "NA", "marketplace_ids": ["ATVPDKIKX0DER"], "secret_name": "vendorcast/acme-us/spapi",
     "backfill_start": BACKFILL_START.isoformat(),
     "reports": [{"report_type": TRAFFIC, "report_period": "WEEK"},
                 {"report_type": "GET_VENDOR_FORECASTING_REPORT", "selling_program": "RETAIL"}]},
    # The vendor sells in the US only: Amazon fails its Canadian reports for good (WRONG_MARKETPLACE).
    {"name": "acme-ca", "region": "NA", "marketplace_ids": ["A2EUQ1WTGCTBG2"],
     "secret_name": "vendorcast/acme-ca/spapi", "backfill_start": BACKFILL_START.isoformat(),
     "reports": [{"report_type": TRAFFIC, "report_period": "WEEK"}]},
]}


@pytest.fixture(scope="module")
def pipeline() -> Iterator[LocalPipeline]:
    sandbox = SandboxSettings(seed=5, n_asins=5, history_start=date(2025, 1, 1))
    with LocalPipeline(parse_config(CONFIG), sandbox, ScaledClock.starting_at(START, 600)) as running:
        running.run_until_settled(timeout=120)
        yield running


def vendorcast(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def wait_for(predicate: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.2)


def report_dlq(pipeline: LocalPipeline) -> list[dict[str, Any]]:
    """What the report-events dead-letter queue holds, left visible for the next reader."""
    sqs = pipeline.aws.client("sqs")
    messages = sqs.receive_message(QueueUrl=pipeline.aws.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                   MessageAttributeNames=["All"]).get("Messages", [])
    for message in messages:
        sqs.change_message_visibility(QueueUrl=pipeline.aws.dlq_url, ReceiptHandle=message["ReceiptHandle"],
                                      VisibilityTimeout=0)
    return messages


def test_status_shows_what_landed_what_failed_and_why_the_queues_and_the_last_runs(pipeline: LocalPipeline) -> None:
    LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=pipeline.aws.endpoint_url).write_parquet(
        f"{FORECAST_RUNS.prefix}/forecast_origin=2026-11-15/weekly-2026-11-15.parquet",
        pa.Table.from_pylist([{"run_id": "weekly-2026-11-15", "run_trigger": "scheduled", "status": "FAILED",
                               "started_at": START - timedelta(days=4), "finished_at": START - timedelta(days=4),
                               "failed_state": "Train", "error": "Sandbox.Timedout: Task timed out"}],
                             schema=arrow_schema(FORECAST_RUNS)), "zstd")
    pipeline.run_catalog_watch()

    result = vendorcast("status", "--format", "json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    streams = {(s["account"], s["stream"]): s for s in status["streams"]}
    landed = [e for e in pipeline.entries() if e.account == "acme-us" and e.status is RequestStatus.LANDED
              and e.window.report_type.value == TRAFFIC]
    traffic = streams[("acme-us", f"{TRAFFIC}/WEEK")]
    assert traffic["last_period_landed"] == max(e.window.end for e in landed).isoformat()
    assert traffic["windows_landed"] == len(landed) and traffic["failures"] == []
    failed = streams[("acme-ca", f"{TRAFFIC}/WEEK")]
    assert failed["last_period_landed"] is None
    assert len(failed["failures"]) == 1 and failed["failures"][0]["reason"].startswith("WRONG_MARKETPLACE: ")
    assert {q["queue"]: q["dead_letters"] for q in status["queues"]} == {"report-events": 0, "catalog-items": 0}
    assert status["forecast_run"]["run_id"] == "weekly-2026-11-15" and status["forecast_run"]["failed_state"] == "Train"
    assert status["catalog_watch"]["batch_id"].startswith("watch-")

    table = vendorcast("status", "--account", "acme-ca")
    assert table.exit_code == 0, table.output
    assert "acme-us" not in table.output and "WRONG_MARKETPLACE" in table.output
    assert "Last forecast run: weekly-2026-11-15 FAILED" in table.output


def test_status_finds_a_deployment_by_its_stack_prefix(pipeline: LocalPipeline) -> None:
    """On AWS the names come from the environment of the functions the stacks' outputs name."""
    iam, lambda_client = pipeline.aws.client("iam"), pipeline.aws.client("lambda")
    role = iam.create_role(RoleName="vendorcast-test-function", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    for stack, output, function in (("Ingestion", r.OUTPUT_REQUEST_REPORTS_FUNCTION, "Acme-RequestReports-x1"),
                                    ("Catalog", r.OUTPUT_CATALOG_WATCH_FUNCTION, "Acme-CatalogWatch-x2")):
        lambda_client.create_function(FunctionName=function, Runtime="python3.11", Role=role, Handler="handler.handler",
                                      Code={"ZipFile": code.getvalue()},
                                      Environment={"Variables": pipeline.aws.function_environment()})
        pipeline.aws.client("cloudformation").create_stack(StackName=f"Acme-{stack}", TemplateBody=json.dumps({
            "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {output: {"Value": function}}}))

    by_stacks = vendorcast("status", "--stack-prefix", "Acme", "--format", "json")
    assert by_stacks.exit_code == 0, by_stacks.output
    local = json.loads(vendorcast("status", "--format", "json").output)
    assert json.loads(by_stacks.output)["streams"] == local["streams"]
    assert json.loads(by_stacks.output)["deployment"] == "stacks Acme-*"

    missing = CliRunner().invoke(cli, ["status", "--stack-prefix", "Nope"])
    assert isinstance(missing.exception, ValueError) and "Nope-Ingestion" in str(missing.exception)


def test_repull_requests_the_planners_windows_again_once_and_they_land_beside_the_first(
        pipeline: LocalPipeline) -> None:
    initial = {(e.window.start, e.window.end): e for e in pipeline.entries()
               if e.account == "acme-us" and e.window.pull == PULL_INITIAL and e.window.report_type.value == TRAFFIC}
    first, last = min(initial)[0], max(initial)[1]
    args = ["repull", "--account", "acme-us", "--report-type", TRAFFIC, "--from", str(first), "--to", str(last)]

    dry = vendorcast(*args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    before = len(pipeline.entries())
    assert dry.output.count(": dry run") == len(initial) and len(pipeline.entries()) == before

    requested = vendorcast(*args)
    assert requested.exit_code == 0, requested.output
    repulls = [e for e in pipeline.entries() if e.window.pull == "repull-1"]
    assert {(e.window.start, e.window.end) for e in repulls} == set(initial), "exactly the planner's windows"
    assert requested.output.count(": requested") == len(initial)

    again = vendorcast(*args)
    assert again.exit_code == 0, again.output
    assert again.output.count(": already open") == len(initial) and ": requested" not in again.output
    assert len(pipeline.entries()) == before + len(initial), "a second run while the first's are open adds nothing"

    def landed() -> bool:
        return all(e.status is RequestStatus.LANDED for e in pipeline.entries() if e.window.pull == "repull-1")

    wait_for(landed)
    for entry in (e for e in pipeline.entries() if e.window.pull == "repull-1"):
        first_pull = initial[(entry.window.start, entry.window.end)]
        assert entry.report_id != first_pull.report_id and entry.raw_key != first_pull.raw_key
        assert pipeline.aws.client("s3").head_object(Bucket=r.LAKE_BUCKET, Key=entry.raw_key)
        kept = pipeline.ledger.get(first_pull.request_key)
        assert kept.status is RequestStatus.LANDED and kept.raw_key == first_pull.raw_key, "the first pull stays"

    later = vendorcast(*args, "--dry-run")
    assert later.output.count("/repull-2: dry run") == len(initial), "once landed, a re-pull may be asked again"


def test_repull_of_a_window_given_up_requests_it_again(pipeline: LocalPipeline) -> None:
    failed = next(e for e in pipeline.entries() if e.account == "acme-ca")
    result = vendorcast("repull", "--account", "acme-ca", "--report-type", f"{TRAFFIC}/WEEK",
                        "--from", str(failed.window.start), "--to", str(failed.window.end), "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"{failed.request_key.removesuffix('/initial')}/repull-1: dry run" in result.output


@pytest.mark.parametrize(("args", "option", "says"), [
    (["--account", "acme-eu"], "--account", "its accounts: acme-us, acme-ca"),
    (["--report-type", "GET_VENDOR_SALES"], "--report-type", "known report types: GET_VENDOR_SALES_REPORT"),
    (["--report-type", "GET_VENDOR_SALES_REPORT"], "--report-type", "its report streams: GET_VENDOR_TRAFFIC_REPORT"),
    (["--report-type", "GET_VENDOR_FORECASTING_REPORT"], "--report-type", "Amazon serves only its latest forecast"),
    (["--from", "2026-11-01", "--to", "2026-10-01"], "--from", "2026-11-01 is after --to 2026-10-01"),
    (["--from", "2020-01-01", "--to", "2020-02-01"], "--from", "Amazon's look-back"),
])
def test_repull_names_the_bad_option_and_what_it_allows(pipeline: LocalPipeline, args: list[str], option: str,
                                                        says: str) -> None:
    defaults = {"--account": "acme-us", "--report-type": TRAFFIC, "--from": "2026-10-01", "--to": "2026-11-01"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    result = CliRunner().invoke(cli, ["repull", *(x for item in {**defaults, **given}.items() for x in item)])
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output and says in result.output.replace("\n", " ")


def test_redrive_sends_dead_letters_back_and_one_that_fails_again_returns_with_its_new_reason(
        pipeline: LocalPipeline) -> None:
    sqs = pipeline.aws.client("sqs")
    landed = next(e for e in pipeline.entries() if e.status is RequestStatus.LANDED)
    # A notification dead-lettered while process_reports had a bug: it is handled once sent back (a duplicate).
    fixed = poller_notification(account_id="acme-us", report_id=landed.report_id, report_type=TRAFFIC,
                                processing_status="DONE", report_document_id="doc-1", now=START)
    dead_letter(sqs, pipeline.aws.dlq_url, fixed, "m-fixed", "RuntimeError: a bug since fixed", 5)
    dead_letter(sqs, pipeline.aws.dlq_url, '{"notificationType": 42', "m-poison", "MalformedEvent: first time", 5)

    shown = vendorcast("redrive", "--queue", "report-events", "--dry-run")
    assert shown.exit_code == 0, shown.output
    assert "RuntimeError: a bug since fixed" in shown.output and "MalformedEvent: first time" in shown.output
    assert "would send back 2 message(s); 2 left" in shown.output
    assert len(report_dlq(pipeline)) == 2

    one = vendorcast("redrive", "--queue", "report-events", "--max", "1", "--dry-run")
    assert "would send back 1 message(s)" in one.output

    sent = vendorcast("redrive", "--queue", "report-events")
    assert sent.exit_code == 0, sent.output
    assert "sent back 2 message(s); 0 left" in sent.output

    # The pipeline's event source handles both; the malformed one fails until it is dead-lettered again.
    wait_for(lambda: len(report_dlq(pipeline)) == 1 and pipeline.queue_depth() == 0)
    back = report_dlq(pipeline)[0]
    assert back["Body"] == '{"notificationType": 42'
    reason = back["MessageAttributes"][FAILURE_REASON_ATTRIBUTE]["StringValue"]
    assert reason.startswith("MalformedEvent: message body is not JSON")

    unknown = CliRunner().invoke(cli, ["redrive", "--queue", "report-event"])
    assert unknown.exit_code == 2
    assert "Invalid value for '--queue'" in unknown.output and "report-events, catalog-items" in unknown.output


def test_without_a_deployment_the_commands_say_where_they_looked_and_what_to_pass() -> None:
    with moto_endpoint() as endpoint:
        empty = CliRunner().invoke(cli, ["status"])
        assert isinstance(empty.exception, ValueError)
        assert f"no local vendorcast runtime at {endpoint}" in str(empty.exception)
        assert "pass --stack-prefix" in str(empty.exception)
    anonymous = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
                 "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                 "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_DEFAULT_REGION": "us-east-1"}
    without_credentials = subprocess.run([sys.executable, "-m", "vendorcast.cli", "status"], capture_output=True,
                                         text=True, timeout=60, env={**os.environ, **anonymous}, check=False)
    assert without_credentials.returncode == 2
    assert "cannot reach AWS (Unable to locate credentials)" in without_credentials.stderr
