"""`vendorcast demo` end to end at a small size with heavy faults: every window lands and reconciles with the
emulator's truth, the lake is published, the catalog watch mails its alerts, the forecast workflow runs from its
ASL with its Plan step (on the demo's supply file), and the outputs (vendorcast.duckdb, dashboard.html, outbox/*.eml,
summary.json) answer what the summary says."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import duckdb
import pytest

from vendorcast.config import default_reports
from vendorcast.local.demo import DEMO_EMAIL, DEPLOYED_WEEKS, EXAMPLE_QUERIES, SUPPLY_INPUTS_KEY
from vendorcast.reports.windows import plan_report_windows
from vendorcast.vocabulary.report_catalogue import ReportPeriod

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    output = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [sys.executable, "-m", "vendorcast.cli", "demo", "--asins", "6", "--weeks", "44", "--seed", "7",
         "--faults", "heavy", "--output", str(output)],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return output, json.loads((output / "summary.json").read_text()), result.stdout


def test_every_window_lands_and_the_lake_reconciles_despite_heavy_faults(demo) -> None:
    _, summary, stdout = demo
    assert set(summary["ledger"]) == {"LANDED"}
    assert summary["dead_letter_messages"] == 0
    assert summary["faults_absorbed"]["token-bucket 429s (should be 0)"] == 0
    assert summary["faults_absorbed"]["429 throttles (injected)"] > 0
    assert summary["reconciliation"]["exact"] and summary["reconciliation"]["mismatches"] == []
    assert summary["reconciliation"]["windows"] == summary["ledger"]["LANDED"]
    assert "reconciles exactly with the emulator's truth" in stdout
    # Hours when nothing was in flight (heavy faults defer reports Amazon has not finished) were jumped over.
    assert 0 < summary["backfill_idle_seconds_skipped"] < summary["simulated_seconds"]


def test_every_output_exists(demo) -> None:
    output, summary, _ = demo
    for name in ("vendorcast.duckdb", "dashboard.html", "summary.json"):
        assert (output / name).stat().st_size > 0, name
    assert "<html" in (output / "dashboard.html").read_text()[:2000].lower()
    assert summary["outputs"]["database"] == str(output / "vendorcast.duckdb")


def test_the_example_queries_answer_on_vendorcast_duckdb(demo) -> None:
    output, summary, _ = demo
    with duckdb.connect(str(output / "vendorcast.duckdb"), read_only=True) as db:
        for sql in EXAMPLE_QUERIES:
            assert db.execute(sql).fetchall(), sql
        forecast = db.execute("SELECT count(*), count(DISTINCT asin), max(horizon) FROM v_forecast_latest").fetchone()
        runs = db.execute("SELECT count(*) FROM forecast_runs WHERE status = 'SUCCEEDED'").fetchone()
        accuracy = db.execute("SELECT count(*) FROM forecast_accuracy").fetchone()
        views = {row[0] for row in db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'").fetchall()}
    assert forecast[0] > 0 and forecast[1] == summary["forecast"]["items_forecast"] and forecast[2] == 12
    assert runs == (1,) and accuracy[0] > 0
    assert {"v_forecast_latest", "v_forecast_vs_amazon", "v_inventory_health", "v_sales_trend"} <= views
    assert [q["sql"] for q in summary["example_queries"]] == list(EXAMPLE_QUERIES)
    assert all(q["rows"] > 0 for q in summary["example_queries"])


def test_the_summary_holds_the_forecast_accuracy(demo) -> None:
    _, summary, stdout = demo
    forecast = summary["forecast"]
    assert forecast["states"][forecast["states"].index("Publish"):][:3] == ["Publish", "Plan", "NotifySuccess"]
    assert forecast["states"][-1] == "Succeeded"
    assert forecast["wql_mean"] > 0 and forecast["seasonal_naive_wql_mean"] > 0
    assert 0 < forecast["coverage_p10_p90"] <= 1
    assert "vs seasonal naive" in stdout and "vs Amazon's forecast" in stdout
    # The vendor's promotion plan, past and planned, was read without a problem.
    assert forecast["input_notes"][0].startswith("Promotion plan: ") and ", 0 problem(s)." in forecast["input_notes"][0]


def test_the_weekly_runs_since_deployment_give_the_comparison_with_amazons_forecast(demo) -> None:
    _, summary, stdout = demo
    # One snapshot of Amazon's forecast on deployment day and one per weekly run since: the report serves only
    # the current forecast, so these are all the backtest can compare with.
    assert summary["weekly_runs"] == DEPLOYED_WEEKS
    assert summary["amazon_forecast_snapshots"] == DEPLOYED_WEEKS + 1
    assert summary["streams"]["GET_VENDOR_FORECASTING_REPORT/RETAIL"]["LANDED"] == DEPLOYED_WEEKS + 1
    # Each weekly run restated the last weeks and brought the new one in the same request, one per weekly stream;
    # every other window was planned on deployment day (the lake reconciles all of them, checked above).
    deployed = datetime.combine(date.fromisoformat(summary["deployed"]), time(6), UTC)
    backfill_start = deployed.date() + timedelta(weeks=DEPLOYED_WEEKS) - timedelta(weeks=summary["weeks"])
    for report in default_reports():
        if report.report_period is not ReportPeriod.WEEK:
            continue
        stream = summary["streams"][report.stream_name]
        assert stream["restatements"] == DEPLOYED_WEEKS, report.stream_name
        assert stream["pulls"] == len(plan_report_windows(report, backfill_start=backfill_start, now=deployed))
    forecast = summary["forecast"]
    assert forecast["wql_p70_p90"] > 0 and forecast["amazon_wql_p70_p90"] > 0
    assert f"{DEPLOYED_WEEKS + 1} weekly snapshot(s) since deployment" in stdout


def test_the_outbox_has_the_alerts_and_the_forecast_summary(demo) -> None:
    output, summary, _ = demo
    emails = sorted((output / "outbox").glob("*.eml"))
    assert [str(p) for p in sorted(emails)] == sorted(summary["emails"])
    messages = [message_from_bytes(p.read_bytes(), policy=default_policy) for p in emails]
    assert all(m["To"] == DEMO_EMAIL for m in messages)
    subjects = [str(m["Subject"]) for m in messages]
    assert any(s.startswith("vendorcast forecast ") for s in subjects), subjects
    watch = summary["catalog_watch"]
    assert len(emails) >= watch["digests"] + 1, "each catalog digest and the forecast summary mailed"
    if watch["changes_alerted"]:
        assert any("vendorcast forecast" not in s for s in subjects), "the catalog changes were mailed"


def test_the_plan_and_the_po_advice_are_in_the_summary_the_lake_and_the_dashboard(demo) -> None:
    output, summary, stdout = demo
    plan = summary["supply_plan"]
    assert plan["asins_planned"] == summary["forecast"]["items_forecast"]
    assert plan["units_to_start_this_week"] >= 0 and 0 <= plan["asins_below_target"] <= plan["asins_planned"]
    assert 0 <= plan["units_to_confirm"] <= plan["units_ordered"]
    # The demo's supply file: costs left to the defaults for one ASIN of three, one row with a typo, reported.
    assert plan["supply_inputs"]["key"] == SUPPLY_INPUTS_KEY and (output / "lake" / SUPPLY_INPUTS_KEY).is_file()
    assert plan["input_problems"] == 1
    assert 0 < plan["asins_on_config_defaults"] < plan["asins_planned"]
    with duckdb.connect(str(output / "vendorcast.duckdb"), read_only=True) as db:
        decisions = db.execute("SELECT count(*), sum(start_units) FROM v_supply_plan_latest "
                               "WHERE horizon = 1").fetchone()
        advice = db.execute("SELECT count(*) FROM po_advice").fetchone()[0]
    assert decisions[0] == plan["asins_planned"] and decisions[1] == pytest.approx(plan["units_to_start_this_week"])
    assert advice == plan["open_lines_advised"]
    assert "Supply plan of" in stdout
    page = (output / "dashboard.html").read_text()
    assert 'id="plan_decisions"' in page and 'id="po_advice"' in page
    digests = [m for m in (message_from_bytes(p.read_bytes(), policy=default_policy)
                           for p in (output / "outbox").glob("*.eml"))
               if str(m["Subject"]).startswith("vendorcast plan ")]
    (digest,) = digests
    assert "row" in digest.get_content() and SUPPLY_INPUTS_KEY in digest.get_content()


def test_amazons_purchase_orders_land_and_reconcile_despite_heavy_faults(demo) -> None:
    output, summary, stdout = demo
    orders = summary["purchase_orders"]
    assert orders["lines"] > 0 and orders["reconciled"] and orders["mismatches"] == []
    assert orders["dead_lettered"] == 0
    # The backfill on deployment day, one run per weekly run, and the night's run the lines are reconciled at.
    assert orders["runs"] == DEPLOYED_WEEKS + 2
    assert "purchase orders reconcile exactly" in stdout
    with duckdb.connect(str(output / "vendorcast.duckdb"), read_only=True) as db:
        lines = db.execute("SELECT count(*) FROM purchase_order_items").fetchone()[0]
        weekly = db.execute("SELECT sum(ordered_units), sum(on_time_in_full_units) FROM v_otif_weekly").fetchone()
    assert lines >= orders["lines"]
    assert weekly[0] > 0 and 0 < weekly[1] <= weekly[0]
    otif = orders["otif"]
    assert otif["ordered_units"] == weekly[0] and otif["on_time_in_full_units"] == weekly[1]
    assert 0 < otif["otif_rate"] < 1
