"""The real forecast workflow end to end on the emulator: stepfunctions/forecast.asl.json executed by moto's
interpreter, its tasks answered by the real handlers (lambdas/forecast_*), on a lake published from the simulated
vendor; then a run that fails in Prepare and ends in the failure notification."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pyarrow.dataset as ds
import pytest

from vendorcast import resources as r
from vendorcast.lake.forecast_tables import FORECAST, FORECAST_RUNS
from vendorcast.lake.publish import publish_lake_emulated
from vendorcast.lake.storage import LakeStorage
from vendorcast.local.aws import LocalAws, apply_environment, restore_environment
from vendorcast.local.lambdas import load_handler
from vendorcast.local.stepfunctions import LocalStepFunctions, create_forecast_workflow
from vendorcast.synthetic_lake import WEEKLY_STREAMS, SyntheticLake, write_synthetic_lake

pytestmark = pytest.mark.integration


@pytest.fixture
def published_lake(local_aws: LocalAws) -> Iterator[LakeStorage]:
    previous = apply_environment({**local_aws.environment(), **local_aws.function_environment(),
                                  r.ENV_GLUE_DATABASE: r.GLUE_DATABASE})
    storage = LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=local_aws.endpoint_url)
    write_synthetic_lake(storage, SyntheticLake(n_asins=12, first_week=date(2024, 6, 2), weeks=40,
                                                weeks_per_document=8, restatements=0, streams=WEEKLY_STREAMS,
                                                catalog=False))
    assert publish_lake_emulated(local_aws.endpoint_url, local_aws.client("glue")).ok
    try:
        yield storage
    finally:
        restore_environment(previous)


def _rows(storage: LakeStorage, prefix: str) -> list[dict]:
    return ds.dataset(storage.path(prefix), filesystem=storage.filesystem, format="parquet",
                      partitioning="hive").to_table().to_pylist()


def test_the_workflow_forecasts_the_lake_and_reports_failures(
        step_functions: LocalStepFunctions, local_aws: LocalAws, alert_inbox, published_lake: LakeStorage) -> None:
    handlers = {function: load_handler(function).handler for function in r.FORECAST_FUNCTION_PLACEHOLDERS}
    machine = create_forecast_workflow(step_functions, handlers, local_aws.alert_topic_arn)

    outcome = step_functions.run(machine, "manual-2025-03-09", {"trigger": "manual", "horizon": 4}, timeout=600)

    assert outcome.succeeded, (outcome.error, outcome.cause)
    assert outcome.states[-2:] == ["Publish", "NotifySuccess"]
    (mail,) = alert_inbox.messages()
    assert mail["subject"].startswith("vendorcast forecast 2025-03-09") and "seasonal naive" in mail["message"]
    forecast = [row for row in _rows(published_lake, FORECAST.prefix) if row["selected"]]
    assert forecast and {row["run_id"] for row in forecast} == {"manual-2025-03-09"}
    assert {str(row["forecast_origin"]) for row in forecast} == {"2025-03-09"}  # the week after the 40 published weeks

    failed = step_functions.run(machine, "manual-too-long", {"trigger": "manual", "horizon": 30}, timeout=300)

    assert not failed.succeeded and failed.failed_state == "Prepare"
    (notice,) = alert_inbox.messages()
    assert "FAILED in Prepare" in notice["subject"] and "needs at least" in notice["message"]
    runs = {row["run_id"]: row for row in _rows(published_lake, FORECAST_RUNS.prefix)}
    assert runs["manual-2025-03-09"]["status"] == "SUCCEEDED"
    assert runs["manual-too-long"]["status"] == "FAILED" and runs["manual-too-long"]["failed_state"] == "Prepare"
