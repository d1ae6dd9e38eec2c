"""The real forecast workflow end to end on the emulator: stepfunctions/forecast.asl.json executed by moto's
interpreter, its tasks answered by the real handlers (lambdas/forecast_*), on a lake published from the simulated
vendor (with Amazon's purchase orders and a vendor supply file under inputs/supply/); the forecast, then the plan,
its digest and tables; then a run that fails in Prepare, and one that fails in Plan, each ending in the failure
notification and a FAILED run row (the latter with its forecast kept)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from vendorcast import resources as r
from vendorcast.lake.forecast_tables import FORECAST, FORECAST_RUNS, PLANNING_TABLES
from vendorcast.lake.publish import publish_lake_emulated
from vendorcast.lake.query import LocalLake
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
    lake = SyntheticLake(n_asins=12, first_week=date(2024, 6, 2), weeks=40, weeks_per_document=8, restatements=0,
                         streams=WEEKLY_STREAMS, catalog=False, purchase_orders=True)
    write_synthetic_lake(storage, lake)
    assert publish_lake_emulated(local_aws.endpoint_url, local_aws.client("glue")).ok
    asin = pq.read_table(storage.path("curated/demand_weekly"), filesystem=storage.filesystem).column("asin")[0]
    # The vendor's stock and lead time for one ASIN; a second row the plan cannot use.
    storage.write_bytes(f"{r.SUPPLY_INPUTS_PREFIX}/stock.csv", (
        "asin,on_hand_units,on_hand_as_of,lead_time_weeks,lot_size\n"
        f"{asin},500,2025-03-08,2,50\n"
        "B0NOTANUMB,abc,2025-03-08,2,50\n").encode())
    try:
        yield storage
    finally:
        restore_environment(previous)


def _rows(storage: LakeStorage, prefix: str) -> list[dict]:
    return ds.dataset(storage.path(prefix), filesystem=storage.filesystem, format="parquet",
                      partitioning="hive").to_table().to_pylist()


def test_the_workflow_forecasts_plans_and_reports_failures(
        step_functions: LocalStepFunctions, local_aws: LocalAws, alert_inbox, published_lake: LakeStorage,
        tmp_path) -> None:
    handlers = {function: load_handler(function).handler for function in r.FORECAST_FUNCTION_PLACEHOLDERS}
    machine = create_forecast_workflow(step_functions, handlers, local_aws.alert_topic_arn)

    outcome = step_functions.run(machine, "manual-2025-03-09", {"trigger": "manual", "horizon": 4}, timeout=600)

    assert outcome.succeeded, (outcome.error, outcome.cause)
    assert outcome.states[-5:] == ["Plan", "NotifySuccess", "NotifyPlanDigest", "BelowFillTarget", "Succeeded"] \
        or outcome.states[-6:] == ["Plan", "NotifySuccess", "NotifyPlanDigest", "BelowFillTarget",
                                   "NotifyBelowFillTarget", "Succeeded"]
    mail, digest, *alert = alert_inbox.messages()
    assert mail["subject"].startswith("vendorcast forecast 2025-03-09") and "seasonal naive" in mail["message"]
    forecast = [row for row in _rows(published_lake, FORECAST.prefix) if row["selected"]]
    assert forecast and {row["run_id"] for row in forecast} == {"manual-2025-03-09"}
    assert {str(row["forecast_origin"]) for row in forecast} == {"2025-03-09"}  # the week after the 40 published weeks

    # The plan: every ASIN forecast is planned, its tables have the documented schema, one partition per origin.
    plan = outcome.output["plan"]
    assert plan["asins_planned"] == len({row["asin"] for row in forecast})
    for table in PLANNING_TABLES.values():
        (key,) = [o.key for o in published_lake.list(table.prefix)]
        assert key == f"{table.prefix}/forecast_origin=2025-03-09/manual-2025-03-09.parquet"
        assert pq.read_schema(published_lake.path(key), filesystem=published_lake.filesystem).remove_metadata() \
            == table.data_schema
    assert local_aws.client("glue").get_partitions(DatabaseName=r.GLUE_DATABASE, TableName="supply_plan")[
        "Partitions"][0]["Values"] == ["2025-03-09"]
    with LocalLake.open(published_lake) as lake:
        decisions = lake.query("SELECT * FROM v_supply_plan_latest WHERE horizon = 1").to_pylist()
        advice = lake.query("SELECT * FROM v_po_advice_open").to_pylist()
    assert len(decisions) == plan["asins_planned"] and {d["run_id"] for d in decisions} == {"manual-2025-03-09"}
    # The vendor's file set the first ASIN's lead time and lot size; the others fell back to the config.
    by_asin = {d["asin"]: d for d in decisions}
    first = by_asin[pq.read_table(published_lake.path("curated/demand_weekly"),
                                  filesystem=published_lake.filesystem).column("asin")[0].as_py()]
    assert first["lead_time_weeks"] == 2 and first["start_units"] % 50 == 0
    assert "lead_time_weeks" not in first["defaults_used"]
    assert all("lead_time_weeks" in d["defaults_used"] for a, d in by_asin.items() if a != first["asin"])
    assert sum(a["ordered_units"] for a in advice) <= plan["units_ordered"] and plan["open_lines_advised"] > 0
    # The bad row is reported in the digest, not raised.
    assert digest["subject"].startswith("vendorcast plan 2025-03-09") and plan["input_problems"] == 1
    assert "inputs/supply/stock.csv row 2: on_hand_units" in digest["message"]
    assert len(alert) == (1 if plan["asins_below_target"] else 0)

    failed = step_functions.run(machine, "manual-too-long", {"trigger": "manual", "horizon": 30}, timeout=300)

    assert not failed.succeeded and failed.failed_state == "Prepare"
    (notice,) = alert_inbox.messages()
    assert "FAILED in Prepare" in notice["subject"] and "needs at least" in notice["message"]
    runs = {row["run_id"]: row for row in _rows(published_lake, FORECAST_RUNS.prefix)}
    assert runs["manual-2025-03-09"]["status"] == "SUCCEEDED"
    assert runs["manual-too-long"]["status"] == "FAILED" and runs["manual-too-long"]["failed_state"] == "Prepare"
    assert runs["manual-too-long"]["forecast_published"] is False

    # A deployment whose [planning] section cannot be used: the run forecasts, publishes, then fails in Plan.
    bad = tmp_path / "vendorcast.toml"
    bad.write_text('[[accounts]]\nname = "acme-us"\nregion = "NA"\nmarketplace_ids = ["ATVPDKIKX0DER"]\n'
                   'secret_name = "vendorcast/acme-us/spapi"\nbackfill_start = "2024-06-02"\n\n'
                   "[planning]\nhorizon_weeks = 4\nlead_time_weeks = 6\n")
    previous = apply_environment({r.ENV_CONFIG_FILE: str(bad)})
    try:
        plan_failed = step_functions.run(machine, "manual-plan-fails", {"trigger": "manual", "horizon": 4},
                                         timeout=600)
    finally:
        restore_environment(previous)

    assert (plan_failed.status, plan_failed.failed_state, plan_failed.error) == ("FAILED", "Plan", "ConfigError")
    assert plan_failed.states[-3:] == ["RecordFailure", "NotifyFailure", "RunFailed"]
    (notice,) = alert_inbox.messages()
    assert "FAILED in Plan" in notice["subject"] and "lead_time_weeks" in notice["message"]
    assert "forecast was published before the failure" in notice["message"]
    runs = {row["run_id"]: row for row in _rows(published_lake, FORECAST_RUNS.prefix)}
    # One row for the run, in its forecast's partition: FAILED in Plan, with its forecast's figures kept.
    assert [row["run_id"] for row in _rows(published_lake, FORECAST_RUNS.prefix)].count("manual-plan-fails") == 1
    row = runs["manual-plan-fails"]
    assert (row["status"], row["failed_state"], row["forecast_published"]) == ("FAILED", "Plan", True)
    assert row["wql_mean"] is not None and str(row["forecast_origin"]) == "2025-03-09"
    with LocalLake.open(published_lake) as lake:
        latest = lake.query("SELECT DISTINCT run_id FROM v_forecast_latest").to_pylist()
        planned = lake.query("SELECT DISTINCT run_id FROM v_supply_plan_latest").to_pylist()
    # Its forecast is the latest; the plan shown is still the last good one.
    assert latest == [{"run_id": "manual-plan-fails"}] and planned == [{"run_id": "manual-2025-03-09"}]
