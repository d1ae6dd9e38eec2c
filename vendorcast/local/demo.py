"""`vendorcast demo` / `make demo`: the whole pipeline on this machine, with no AWS account. A simulated vendor
behind the SP-API emulator, the AWS emulator holding the lake, the functions driven as the schedules would drive
them: the backfill on the day the vendor deployed (DEPLOYED_WEEKS ago), the weekly runs since (new weeks, Amazon's
restatements, a snapshot of Amazon's forecast each week), the publishing job, the catalog watch's baseline and the
day after it, the vendor's supply file under inputs/supply/, the forecast workflow with its Plan step; then the
outputs (a DuckDB database, the dashboard, the e-mails, a summary) and what they show."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from vendorcast import resources as r
from vendorcast.clock import FastForwardClock
from vendorcast.config import LocalConfig, VendorcastConfig, parse_config
from vendorcast.dashboard.page import build_dashboard
from vendorcast.ingestion.ledger import RequestStatus
from vendorcast.lake.query import LocalLake
from vendorcast.lake.storage import LakeStorage
from vendorcast.local.outbox import published_messages
from vendorcast.local.reconcile import PurchaseOrderReconciliation, reconcile_purchase_orders, reconcile_with_truth
from vendorcast.local.runtime import LocalPipeline
from vendorcast.local.runtime import Progress as PipelineProgress
from vendorcast.orders.pull import ORDERS_BATCH_PREFIX
from vendorcast.reports.windows import PULL_RESTATE_PREFIX
from vendorcast.sandbox.settings import FaultSettings, SandboxSettings
from vendorcast.sandbox.truth import purchase_order_items_table
from vendorcast.synthetic_lake import PROMOTION_PLAN_WEEKS, write_promotion_plan
from vendorcast.vocabulary.report_catalogue import ReportType

DEMO_ACCOUNT = "demo-vendor"
# Run on <output>/vendorcast.duckdb (and, unchanged, by `vendorcast query` on the lake or on Athena).
EXAMPLE_QUERIES = (
    "SELECT asin, week_start, round(p10) AS p10, round(p50) AS p50, round(p90) AS p90 FROM v_forecast_latest "
    "ORDER BY asin, week_start LIMIT 12",
    "SELECT run_id, items_forecast, round(wql_mean, 3) AS wql, round(seasonal_naive_wql_mean, 3) AS naive_wql, "
    "round(wql_p70_p90, 3) AS wql_p70_p90, round(amazon_wql_p70_p90, 3) AS amazon_wql_p70_p90 FROM forecast_runs",
    "SELECT asin, weeks_of_cover, stockout_risk FROM v_inventory_health ORDER BY weeks_of_cover LIMIT 10",
    "SELECT week_start, sum(ordered_units) AS ordered, round(sum(on_time_in_full_units) / sum(ordered_units), 3) "
    "AS otif FROM v_otif_weekly GROUP BY week_start ORDER BY week_start DESC LIMIT 8",
    "SELECT asin, start_units, arrival_week_start, round(expected_fill_rate, 3) AS fill, reason "
    "FROM v_supply_plan_latest WHERE horizon = 1 ORDER BY start_units DESC LIMIT 10",
    "SELECT purchase_order_number, asin, ordered_units, confirm_units, risk FROM v_po_advice_open "
    "ORDER BY shortfall_units DESC LIMIT 10",
)
DEMO_EMAIL = "planning@demo-vendor.example"
# The catalog notifications of a subscribed app arrive on this (local) partner bus.
DEMO_PARTNER_SOURCE = "aws.partner/sellingpartnerapi.amazon.com/123456789012/amzn1.sellerapps.app.demo"
# From the catalog watch's baseline on, the emulated pages change about monthly (twice a year on Amazon), so that a
# day of watching sees a handful of changes.
CATALOG_CHANGE_DAYS = 30.0
WATCH_DAYS = 1
HORIZON = 12
# The summary's worst ASINs for OTIF have at least this many units ordered (fewer say little).
WORST_ASIN_MIN_UNITS = 50
# The forecast workflow needs horizon x 3 backtest windows + 2 weeks of history before its origin.
MIN_WEEKS = HORIZON * 3 + 4
# The example supply file the demo drops into the lake, as a vendor uploads it (docs/operations.md): its own stock,
# production and costs for every ASIN Amazon orders, costs left out for one ASIN of three (the config's [planning]
# defaults apply, and the plan says so), and one row with a typo, which the plan digest reports.
SUPPLY_INPUTS_KEY = f"{r.SUPPLY_INPUTS_PREFIX}/demo-vendor-stock.csv"
SUPPLY_LEAD_TIMES = (2, 3, 6)  # weeks, by ASIN in turn
# Weeks of Amazon's recent orders the vendor holds, the most it can start a week, and its unit cost as a share of
# Amazon's cost price.
SUPPLY_WEEKS_ON_HAND = 4
SUPPLY_CAPACITY_WEEKS = 8
SUPPLY_COST_SHARE = 0.6
# The simulated vendor deployed vendorcast this many weeks ago: the backfill ran then, the weekly schedules since.
# Amazon's forecast report serves only the current forecast, so the comparison with it needs the snapshots those
# weekly runs took before the last backtest window's origin (HORIZON weeks before the forecast's).
DEPLOYED_WEEKS = HORIZON + 1


# The demo's accounts by SP-API region (`vendorcast demo --regions`): the US one, a European account with five
# marketplaces, a Japanese one. Amazon's purchase orders are pulled for the US account only (the PO reconciliation
# and OTIF figures are the US vendor's).
DEMO_REGIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "NA": (DEMO_ACCOUNT, ("ATVPDKIKX0DER",)),
    "EU": (f"{DEMO_ACCOUNT}-eu", ("A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "APJ6JRA9NG5V4",
                                  "A1RKKUPIHCS9HS")),
    "FE": (f"{DEMO_ACCOUNT}-jp", ("A1VC38T7YXB528",)),
}


def demo_config(backfill_start: date, regions: tuple[str, ...] = ("NA",)) -> VendorcastConfig:
    """A vendor account per region (default: the US one) pulling every catalogue report (the defaults), its alerts
    mailed to one planner, the catalog notifications subscribed."""
    unknown = [region for region in regions if region not in DEMO_REGIONS]
    if unknown:
        raise ValueError(f"--regions: unknown {', '.join(unknown)}; use any of {', '.join(DEMO_REGIONS)}")
    if "NA" not in regions:
        raise ValueError("--regions must include NA: the US account is the demo's core (its purchase orders, OTIF "
                         "and catalog watch figures); add EU and FE to it, e.g. --regions NA,EU,FE")
    accounts = []
    for region in sorted(set(regions), key=list(DEMO_REGIONS).index):
        name, marketplace_ids = DEMO_REGIONS[region]
        accounts.append({"name": name, "region": region, "marketplace_ids": list(marketplace_ids),
                         "secret_name": f"vendorcast/{name}/spapi", "backfill_start": backfill_start.isoformat(),
                         "purchase_orders": {"enabled": name == DEMO_ACCOUNT}})
    return parse_config({
        "accounts": accounts,
        "schedules": {"retry_not_available_after_hours": 1},
        "alerts": {"emails": [DEMO_EMAIL], "catalog": {"partner_event_source": DEMO_PARTNER_SOURCE}},
    }, source="demo config")


def export_lake(pipeline: LocalPipeline, output: Path) -> int:
    """Copy the emulator's lake bucket (every zone) to `output/lake`; returns files written."""
    assert pipeline.aws is not None
    lake = LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=pipeline.aws.endpoint_url)
    target = output / "lake"
    target.mkdir(parents=True, exist_ok=True)
    # Arrow's copy runs in its own threads, outside the interpreter's lock the emulator needs too.
    pafs.copy_files(lake.root, target.as_posix(), source_filesystem=lake.filesystem,
                    destination_filesystem=pafs.LocalFileSystem(), use_threads=True)
    return sum(1 for path in target.rglob("*") if path.is_file())


def _landed_by_stream(pipeline: LocalPipeline) -> dict[str, dict[str, Any]]:
    streams: dict[str, dict[str, Any]] = defaultdict(lambda: Counter())
    for entry in pipeline.entries():
        stats = streams[entry.window.stream_name]
        stats[entry.status.value] += 1
        if entry.status is RequestStatus.LANDED:
            stats["rows"] += entry.rows or 0
            stats["restatements" if entry.window.pull.startswith(PULL_RESTATE_PREFIX) else "pulls"] += 1
        stats["first"] = min(stats.get("first") or entry.window.start.isoformat(), entry.window.start.isoformat())
        stats["last"] = max(stats.get("last") or entry.window.end.isoformat(), entry.window.end.isoformat())
    return {name: dict(stats) for name, stats in sorted(streams.items())}


def _curated_table(pipeline: LocalPipeline, name: str) -> pa.Table:
    """A curated table of the emulator's lake, every partition, its data columns only."""
    assert pipeline.aws is not None
    lake = LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=pipeline.aws.endpoint_url)
    files = [lake.path(o.key) for o in lake.list(f"{r.CURATED_PREFIX}/{name}/", ".parquet")]
    return pads.dataset(files, filesystem=lake.filesystem, format="parquet").to_table()


def write_example_supply_inputs(lake: LakeStorage, items: pa.Table, as_of: date) -> dict[str, Any]:
    """The vendor's own supply file, made from what the lake shows of its ASINs (curated purchase_order_items): on
    hand SUPPLY_WEEKS_ON_HAND weeks of Amazon's average weekly order of the last 8 weeks, a lot (a case) in
    production ready next week, a lead time from SUPPLY_LEAD_TIMES, lots and a minimum of a case, a weekly capacity,
    and for two ASINs of three a unit cost below Amazon's cost price, a holding cost rate and a shortage cost of the
    lost margin plus a tenth of the price for chargebacks; one row has a typo. Returns what was written."""
    lines = items.to_pandas()
    lines["order_date"] = pd.to_datetime(lines["order_date"], utc=True)
    recent = lines[lines["order_date"] >= pd.Timestamp(as_of, tz="UTC") - pd.Timedelta(weeks=8)]
    weekly = recent.groupby("asin")["ordered_units"].sum() / 8
    # Amazon's cost price (what the vendor is paid a unit) and case pack; 10 and 1 where the lines lack them.
    price = lines.groupby("asin")["net_cost"].median().fillna(10.0)
    case = lines.groupby("asin")["unit_size"].max().fillna(1)
    rows = []
    for index, asin in enumerate(sorted(set(lines["asin"]))):
        lot, orders = int(case[asin]), float(weekly.get(asin, 0.0))
        row = {"asin": asin, "on_hand_units": round(SUPPLY_WEEKS_ON_HAND * orders), "on_hand_as_of": as_of.isoformat(),
               "in_production_units": lot, "in_production_ready": (as_of + timedelta(weeks=1)).isoformat(),
               "lead_time_weeks": str(SUPPLY_LEAD_TIMES[index % 3]), "lot_size": lot, "min_order_units": lot,
               "weekly_capacity_units": max(lot, round(SUPPLY_CAPACITY_WEEKS * orders)),
               "unit_cost": "", "holding_cost_rate": "", "shortage_cost": ""}
        if index % 3 != 2:
            cost = round(SUPPLY_COST_SHARE * float(price[asin]), 2)
            row |= {"unit_cost": cost, "holding_cost_rate": 0.25,
                    "shortage_cost": round(float(price[asin]) * 1.1 - cost, 2)}
        rows.append(row)
    if rows:
        rows[-1]["lead_time_weeks"] = "six"  # the typo
    lake.write_bytes(SUPPLY_INPUTS_KEY, pd.DataFrame(rows).to_csv(index=False).encode())
    return {"key": SUPPLY_INPUTS_KEY, "rows": len(rows)}


def _supply_plan_summary(plan: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """The demo summary's `supply_plan`: the plan's figures (vendorcast.forecasting.plan_step.plan_summary) and
    the supply file the demo dropped."""
    return {"asins_planned": plan["asins_planned"], "units_to_start_this_week": plan["units_to_start"],
            "asins_to_start": plan["asins_to_start"], "asins_below_target": plan["asins_below_target"],
            "fill_rate_target": plan["fill_rate_target"], "open_lines_advised": plan["open_lines_advised"],
            "units_to_confirm": plan["units_to_confirm"], "units_ordered": plan["units_ordered"],
            "asins_on_config_defaults": plan["asins_defaulted"], "input_problems": plan["input_problems"],
            "supply_inputs": inputs}


def _purchase_order_summary(runs: list[dict[str, Any]], reconciliation: PurchaseOrderReconciliation,
                            alerts: dict[str, int]) -> dict[str, Any]:
    feeds = [feed for run in runs for feed in run["feeds"].values()]
    return {"lines": reconciliation.lines, "reconciled": reconciliation.exact,
            "mismatches": reconciliation.mismatches[:20], "runs": len(runs),
            "pages": sum(f["pages"] for f in feeds), "documents": sum(f["documents"] for f in feeds),
            "raw_rows": dict(sum((Counter(run["rows"]) for run in runs), Counter())),
            "dead_lettered": sum(run["dead_lettered"] for run in runs), **alerts}


def _alert_digests(pipeline: LocalPipeline) -> list[dict[str, Any]]:
    """The JSON digests published to the alert topic (the forecast summary is plain text, not one)."""
    assert pipeline.aws is not None
    digests = []
    for message in published_messages(pipeline.aws.alert_topic_arn):
        try:
            digest = json.loads(message.structure()["default"])
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(digest, dict) and "changes" in digest:
            digests.append(digest)
    return digests


def _otif_figures(connection: Any) -> dict[str, Any]:
    """The vendor's OTIF over every settled PO line (v_otif_weekly), its worst ASINs, the open lines by risk and the
    ASINs whose inventory position falls short of demand over lead time plus review (v_inventory_health)."""
    ordered, accepted, received, otif = connection.execute(
        "SELECT sum(ordered_units), sum(accepted_units), sum(received_units), sum(on_time_in_full_units) "
        "FROM v_otif_weekly").fetchone()
    worst = connection.execute(
        "SELECT asin, sum(on_time_in_full_units) / sum(ordered_units) AS otif_rate, sum(ordered_units) AS ordered "
        f"FROM v_otif_weekly GROUP BY asin HAVING sum(ordered_units) >= {WORST_ASIN_MIN_UNITS} "
        "ORDER BY otif_rate, asin LIMIT 5").fetchall()
    risks = dict(connection.execute("SELECT risk, count(*) FROM v_open_purchase_orders GROUP BY risk").fetchall())
    stockout = dict(connection.execute(
        "SELECT stockout_risk, count(*) FROM v_inventory_health GROUP BY stockout_risk").fetchall())

    def rate(units: int | None) -> float | None:
        return round(units / ordered, 4) if ordered and units is not None else None

    return {"otif": {"ordered_units": ordered, "accepted_units": accepted, "received_units": received,
                     "on_time_in_full_units": otif, "otif_rate": rate(otif), "fill_rate": rate(received),
                     "confirmation_rate": rate(accepted),
                     "worst_asins": [{"asin": a, "otif_rate": round(r, 4), "ordered_units": int(u)}
                                     for a, r, u in worst]},
            "open_lines_by_risk": risks, "stockout_risk": stockout}


def _catalog_alerts(pipeline: LocalPipeline) -> dict[str, int]:
    """Catalog changes and data conditions in the catalog watch's digests."""
    digests = [d for d in _alert_digests(pipeline) if not str(d.get("batch", "")).startswith(ORDERS_BATCH_PREFIX)]
    return {"digests": len(digests), "changes_alerted": sum(len(d["changes"]) for d in digests),
            "conditions_alerted": sum(len(d.get("conditions", [])) for d in digests)}


def _purchase_order_alerts(pipeline: LocalPipeline) -> dict[str, int]:
    """The purchase orders pull's findings, by kind, in its digests."""
    digests = [d for d in _alert_digests(pipeline) if str(d.get("batch", "")).startswith(ORDERS_BATCH_PREFIX)]
    found: Counter[str] = Counter()
    for digest in digests:
        for condition in digest.get("conditions", []):
            found[condition["kind"]] += len(condition["items"])
    return {"alert_digests": len(digests), "alerts": dict(found)}


def _watch_catalog(pipeline: LocalPipeline, clock: FastForwardClock, bar: Progress, task: TaskID) -> dict[str, Any]:
    """The daily catalog watch: a baseline now, then WATCH_DAYS simulated days as the test of the catalog watch
    drives them: the night's pushed notifications, then the 07:00 watch."""
    assert pipeline.sandbox is not None
    first = clock.now()
    runs = [pipeline.run_catalog_watch()]
    bar.advance(task)
    for offset in range(1, WATCH_DAYS + 1):
        day = first.date() + timedelta(days=offset)
        clock.advance_to(datetime.combine(day, day_time(3), UTC))
        pipeline.deliver_catalog_events()
        pipeline.process_catalog_items()
        clock.advance_to(datetime.combine(day, day_time(7), UTC))
        runs.append(pipeline.run_catalog_watch())
        bar.update(task, advance=1, detail=f"simulated day {day}")
    made = [c for server in pipeline.sandboxes.values() for catalog in server.catalogs for c in catalog.changes()
            if first.date() < c.day <= clock.now().date()]
    return {"days": WATCH_DAYS, "asins_watched": runs[0].summary["asins"], "changes_made_by_the_emulator": len(made),
            "catalog_item_messages": sum(run.messages for run in runs), **_catalog_alerts(pipeline)}


def _clear_outputs(output: Path) -> None:
    """A run's outputs replace the previous run's (a lake of another seed would mix with this one)."""
    for folder in ("lake", "outbox"):
        shutil.rmtree(output / folder, ignore_errors=True)
    for name in ("vendorcast.duckdb", "vendorcast.duckdb.wal", "dashboard.html", "summary.json"):
        (output / name).unlink(missing_ok=True)


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def run_demo(*, asins: int, weeks: int, seed: int, faults: str, time_scale: float | None, output: Path,
             today: date, console: Console | None = None, regions: tuple[str, ...] = ("NA",)) -> dict[str, Any]:
    if weeks < MIN_WEEKS:
        raise ValueError(f"--weeks {weeks} is too short for the {HORIZON}-week forecast and its backtest: "
                         f"use at least {MIN_WEEKS}")
    console = console or Console()
    # The functions log every event, and every retry of an injected fault, as JSON as they do in CloudWatch;
    # the demo summarises them instead and shows only errors (operator alerts among them).
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    deployed = datetime.combine(today - timedelta(weeks=DEPLOYED_WEEKS), day_time(6), UTC)
    backfill_start = today - timedelta(weeks=weeks)
    config = demo_config(backfill_start, regions)
    scale = time_scale or LocalConfig().time_scale
    sandbox = SandboxSettings(seed=seed, n_asins=asins, history_start=backfill_start - timedelta(days=60),
                              faults=FaultSettings.preset(faults), catalog_change_days=CATALOG_CHANGE_DAYS,
                              catalog_changes_from=today)
    output.mkdir(parents=True, exist_ok=True)
    _clear_outputs(output)
    marketplaces = sum(len(account.marketplace_ids) for account in config.accounts)
    where = ", ".join(account.region.value for account in config.accounts)
    console.print(f"[bold]vendorcast demo[/]: {len(config.accounts)} account(s) ({where}), {marketplaces} "
                  f"marketplace(s) of {asins} ASINs, {weeks} weeks of history from {backfill_start}, "
                  f"faults: {faults}, time x{scale:g}; deployed {deployed.date()}, {DEPLOYED_WEEKS} weeks ago")
    console.print("Starting the AWS emulator (moto) and the SP-API emulator on 127.0.0.1 ...")
    started = time.monotonic()
    clock = FastForwardClock(deployed, scale)
    columns = (TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[detail]}"))
    with LocalPipeline(config, sandbox, clock, outbox=output / "outbox") as pipeline, \
            Progress(*columns, console=console, transient=False) as bar:
        backfill_task = bar.add_task("1 backfill: report windows", total=None, detail="")

        def show(progress: PipelineProgress) -> None:
            detail = ", ".join(f"{k.lower()} {v}" for k, v in sorted(progress.by_status.items()))
            sim = progress.sim_now.strftime("%Y-%m-%d %H:%M") if progress.sim_now else ""
            bar.update(backfill_task, total=progress.total or None, completed=progress.finished,
                       detail=f"{detail}; simulated time {sim}")

        # The hourly purchase_orders schedule's first run: the six months Amazon keeps.
        po_runs = pipeline.pull_purchase_orders()
        final = pipeline.run_until_settled(timeout=1800, on_progress=show)
        idle_skipped = clock.skipped  # hours nothing was in flight, jumped over
        stage_seconds = {"backfill": time.monotonic() - started}
        simulated = final.sim_now - deployed if final.sim_now else timedelta(0)

        task = bar.add_task("2 weekly runs since", total=DEPLOYED_WEEKS, detail="")
        landed_at_deployment = final.by_status.get("LANDED", 0)
        for week in range(1, DEPLOYED_WEEKS + 1):
            # Each week's runs at one moment: the hourly runs in between would request the same periods (the
            # daily reports a day at a time) and nothing else.
            clock.advance_to(deployed + timedelta(weeks=week))
            po_runs += pipeline.pull_purchase_orders()
            final = pipeline.run_until_settled(timeout=900)
            bar.update(task, advance=1, detail=f"simulated {clock.now():%Y-%m-%d}, "
                       f"{final.by_status.get('LANDED', 0) - landed_at_deployment} windows landed")
        # Nothing more comes on the report-events queue: its poller would only take CPU from the stages below.
        pipeline.stop_event_source()
        stage_seconds["weekly_runs"] = time.monotonic() - started - sum(stage_seconds.values())
        streams = _landed_by_stream(pipeline)
        # Every region's emulator: each has its own usage plans, reports and notifications.
        stats = [s for server in pipeline.sandboxes.values() for s in server.stats.values()]
        notifications = Counter(f for server in pipeline.sandboxes.values() for n in server.notifications.values()
                                for f in n.faults)
        report_faults = Counter(f for server in pipeline.sandboxes.values()
                                for rep in server.served_reports.values() for f in rep.faults)
        dlq = pipeline.queue_depth(pipeline.aws.dlq_url)
        reconciliation = reconcile_with_truth(pipeline)
        # The next night's run, at an hour when Amazon places, acknowledges and receives nothing, so that what it
        # read is what Amazon shows when it ends: the moment the PO lines are reconciled at.
        clock.advance_to(datetime.combine(clock.now().date() + timedelta(days=1), day_time(1), UTC))
        po_runs += pipeline.pull_purchase_orders()
        po_truth = purchase_order_items_table(pipeline.sandbox.simulator, clock.now())
        stage_seconds["reconciliation"] = time.monotonic() - started - sum(stage_seconds.values())

        task = bar.add_task("3 publish: the Glue job's SQL", total=1, detail="DuckDB on the emulator's S3")
        published = pipeline.publish_lake()
        po_reconciliation = reconcile_purchase_orders(_curated_table(pipeline, "purchase_order_items"), po_truth)
        curated_rows = sum(t["rows_written"] for t in published.summary()["tables"].values())
        bar.update(task, completed=1, detail=f"{curated_rows:,} curated rows")
        stage_seconds["publish"] = time.monotonic() - started - sum(stage_seconds.values())

        task = bar.add_task("4 catalog watch: daily", total=WATCH_DAYS + 1, detail="baseline")
        catalog = _watch_catalog(pipeline, clock, bar, task)
        # The next morning's publishing job puts the week's catalog snapshots and changes into curated/.
        catalog_tables = pipeline.publish_lake().summary()["tables"]
        catalog["curated_rows"] = {name: catalog_tables[name]["rows_written"]
                                   for name in ("catalog_items", "catalog_changes") if name in catalog_tables}
        stage_seconds["catalog_watch"] = time.monotonic() - started - sum(stage_seconds.values())

        # The vendor uploads its promotion plan (past promotions and the next weeks'), which the forecast reads, and
        # its supply file (stock, production, lead times, lots, costs), which the plan reads.
        assert pipeline.aws is not None
        lake = LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=pipeline.aws.endpoint_url)
        write_promotion_plan(lake, pipeline.sandbox.simulator, DEMO_ACCOUNT,
                             clock.now().date() + timedelta(weeks=PROMOTION_PLAN_WEEKS))
        task = bar.add_task("5 forecast workflow (ASL)", total=1,
                            detail="Prepare, Train, Forecast shards, Publish, Plan")
        supply_inputs = write_example_supply_inputs(lake, _curated_table(pipeline, "purchase_order_items"),
                                                    clock.now().date())
        outcome = pipeline.run_forecast({"trigger": "manual", "horizon": HORIZON})
        if not outcome.succeeded:
            raise RuntimeError(f"the forecast workflow failed in {outcome.failed_state}: {outcome.error} "
                               f"{outcome.cause}")
        forecast = {k: v for k, v in outcome.output["forecast"].items() if k not in ("subject", "message")}
        supply_plan = _supply_plan_summary(outcome.output["plan"], supply_inputs)
        bar.update(task, completed=1, detail=" > ".join(outcome.states))
        stage_seconds["forecast"] = time.monotonic() - started - sum(stage_seconds.values())

        task = bar.add_task("6 outputs", total=4, detail="e-mails")
        pipeline.deliver_emails()
        all_emails = pipeline.outbox.emails
        po_alerts = _purchase_order_alerts(pipeline)
        bar.update(task, advance=1, detail="lake files")
        files = export_lake(pipeline, output)
        bar.update(task, advance=1, detail="vendorcast.duckdb")
        with LocalLake.open(output / "lake", database=output / "vendorcast.duckdb") as lake:
            bar.update(task, advance=1, detail="dashboard.html")
            build_dashboard(lake, output / "dashboard.html")
            po_figures = _otif_figures(lake.connection)
            answers = {sql: lake.connection.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
                       for sql in EXAMPLE_QUERIES}
        bar.update(task, advance=1, detail="done")
    elapsed = time.monotonic() - started
    purchase_orders = {**_purchase_order_summary(po_runs, po_reconciliation, po_alerts), **po_figures}
    stage_seconds["outputs"] = elapsed - sum(stage_seconds.values())

    table = Table(title="What landed in the lake")
    for column in ("report stream", "windows", "restatement pulls", "rows", "from", "to"):
        table.add_column(column, justify="right" if column in ("windows", "restatement pulls", "rows") else "left")
    for name, s in streams.items():
        label = name.removeprefix("GET_VENDOR_").replace("_REPORT", "").replace("NET_PURE_PRODUCT_MARGIN", "NPPM")
        table.add_row(label, str(s.get("LANDED", 0)), str(s.get("restatements", 0)), f"{s.get('rows', 0):,}",
                      s["first"], s["last"])
    console.print(table)
    handled = {
        "429 throttles (injected)": sum(s.injected_throttles for s in stats),
        "5xx errors (injected)": sum(s.server_errors for s in stats),
        "FATAL 'not yet available' reports": report_faults.get("fatal_not_available", 0),
        "truncated downloads": report_faults.get("truncated_download", 0),
        "lost notifications": notifications.get("lost_notification", 0),
        "duplicated notifications": notifications.get("duplicate_notification", 0),
        "token-bucket 429s (should be 0)": sum(s.throttled for s in stats),
    }
    console.print("Faults the pipeline absorbed: " + "; ".join(f"{k}: {v}" for k, v in handled.items()))
    console.print(f"Ledger: {final.by_status}; dead-letter queue: {dlq} message(s)")
    if reconciliation.exact:
        console.print(f"[green]The lake reconciles exactly with the emulator's truth[/]: {reconciliation.rows:,} rows "
                      f"of {reconciliation.windows} windows compared row by row, one raw file per window.")
    else:
        console.print(f"[red]The lake does NOT reconcile with the emulator's truth[/]: "
                      f"{'; '.join(reconciliation.mismatches[:5])}")
    if po_reconciliation.exact:
        console.print(f"[green]Amazon's purchase orders reconcile exactly[/]: {po_reconciliation.lines:,} PO lines "
                      f"in the curated table, each with the state Amazon shows ({purchase_orders['pages']:,} pages "
                      f"read in {purchase_orders['runs']} runs; {purchase_orders['dead_lettered']} dead-lettered).")
    else:
        console.print(f"[red]The purchase orders do NOT reconcile with the emulator's truth[/]: "
                      f"{'; '.join(po_reconciliation.mismatches[:5])}")
    otif = purchase_orders["otif"]
    if otif["ordered_units"]:
        worst = ", ".join(f"{w['asin']} {w['otif_rate']:.0%}" for w in otif["worst_asins"])
        console.print(f"On-time-in-full on Amazon's POs (docs/otif.md): {otif['otif_rate']:.1%} of "
                      f"{otif['ordered_units']:,} ordered units (fill rate {otif['fill_rate']:.1%}, confirmed "
                      f"{otif['confirmation_rate']:.1%}); worst ASINs: {worst}. Open lines by risk: "
                      f"{purchase_orders['open_lines_by_risk']}; stockout check over lead time plus a review week: "
                      f"{purchase_orders['stockout_risk']}; PO alerts sent: {purchase_orders['alerts']}.")
    curated = Table(title="Curated tables (what Athena and the dashboards read)")
    for column in ("table", "partitions", "rows"):
        curated.add_column(column, justify="left" if column == "table" else "right")
    for name, table in sorted(published.summary()["tables"].items()):
        curated.add_row(name, str(table["partitions_written"]), f"{table['rows_written']:,}")
    console.print(curated)
    console.print(f"Catalog watch, a baseline and {WATCH_DAYS} simulated day(s) of {catalog['asins_watched']} ASINs: "
                  "the emulator "
                  f"changed {catalog['changes_made_by_the_emulator']} catalog fields, "
                  f"{catalog['changes_alerted']} changes and {catalog['conditions_alerted']} data conditions were "
                  f"alerted in {catalog['digests']} digest(s).")
    accuracy = Table(title=f"Forecast {forecast['origin']}: {forecast['items_forecast']} ASINs, {HORIZON} weeks "
                           "(backtest, lower wQL is better)")
    for column in ("", "vendorcast", "baseline"):
        accuracy.add_column(column, justify="left" if not column else "right")
    accuracy.add_row("mean wQL P10/P50/P90 vs seasonal naive", _figure(forecast["wql_mean"]),
                     _figure(forecast["seasonal_naive_wql_mean"]))
    accuracy.add_row("mean wQL P70/P80/P90 vs Amazon's forecast", _figure(forecast["wql_p70_p90"]),
                     _figure(forecast["amazon_wql_p70_p90"]))
    accuracy.add_row("weeks inside P10-P90 (0.8 when calibrated)", _figure(forecast["coverage_p10_p90"]), "")
    console.print(accuracy)
    for line in forecast["input_notes"][:1]:
        console.print(f"{line} (known ahead: the weeks' promotion days and discount)")
    if forecast["amazon_wql_p70_p90"] is None:
        console.print("(no snapshot of Amazon's forecast predates a backtest window for the ASINs forecast)")
    snapshots = sum(s.get("LANDED", 0) for name, s in streams.items() if name.startswith(ReportType.FORECASTING))
    console.print(f"Amazon's forecast: {snapshots} weekly snapshot(s) since deployment on {deployed.date()}; the "
                  "comparison scores the one each backtest window's origin could have read.")
    console.print(
        f"Supply plan of {forecast['origin']} (Plan step, docs/planning.md): {supply_plan['asins_planned']} ASINs "
        f"planned, start {supply_plan['units_to_start_this_week']:,.0f} units this week on "
        f"{supply_plan['asins_to_start']} of them; {supply_plan['asins_below_target']} below the "
        f"{supply_plan['fill_rate_target']:.0%} fill target; {supply_plan['open_lines_advised']} open PO lines "
        f"advised: confirm {supply_plan['units_to_confirm']:,.0f} of {supply_plan['units_ordered']:,.0f} units "
        f"ordered. Vendor inputs: {supply_inputs['rows']} rows in {supply_inputs['key']} "
        f"({supply_plan['input_problems']} problem(s), in the plan digest); "
        f"{supply_plan['asins_on_config_defaults']} ASINs used some config default.")
    console.print(f"E-mails sent to {DEMO_EMAIL} (alerts, the forecast summary, the plan digest): "
                  f"{len(all_emails)}")
    console.print(f"Simulated {timedelta(seconds=round(simulated.total_seconds()))} of Amazon's time for the "
                  f"backfill on deployment day ({timedelta(seconds=round(idle_skipped))} of it idle, jumped over; "
                  "Amazon's createReport quota is about one a minute: the same backfill takes about that long for "
                  f"real); {elapsed:.0f} s in all ("
                  + ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in stage_seconds.items()) + ").")
    summary = {
        "asins": asins, "weeks": weeks, "seed": seed, "faults": faults, "time_scale": scale,
        "accounts": {a.name: a.marketplace_ids for a in config.accounts},
        "seconds": round(elapsed, 1), "stage_seconds": {k: round(v, 1) for k, v in stage_seconds.items()},
        "deployed": deployed.date().isoformat(), "weekly_runs": DEPLOYED_WEEKS, "amazon_forecast_snapshots": snapshots,
        "simulated_seconds": simulated.total_seconds(), "backfill_idle_seconds_skipped": round(idle_skipped, 1),
        "ledger": final.by_status, "dead_letter_messages": dlq, "streams": streams, "faults_absorbed": handled,
        "reconciliation": {"exact": reconciliation.exact, "windows": reconciliation.windows,
                           "rows": reconciliation.rows, "mismatches": reconciliation.mismatches},
        "publish": published.summary(), "catalog_watch": catalog, "purchase_orders": purchase_orders,
        "forecast": {"execution": outcome.name, "states": outcome.states, **forecast},
        "supply_plan": supply_plan,
        "emails": [str(e.path) for e in all_emails],
        "outputs": {"database": str(output / "vendorcast.duckdb"), "dashboard": str(output / "dashboard.html"),
                    "outbox": str(output / "outbox"), "lake": str(output / "lake"), "lake_files": files},
        "example_queries": [{"sql": sql, "rows": rows} for sql, rows in answers.items()],
    }
    (output / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    console.print("Outputs:")
    for label, path in (("DuckDB database: every curated and forecast table, the Athena views", "vendorcast.duckdb"),
                        ("the dashboard (open in a browser, works offline)", "dashboard.html"),
                        ("the e-mails SNS would have sent", "outbox/"),
                        ("this summary as JSON", "summary.json"),
                        ("the lake as on S3: landing/, raw/, curated/, forecast/, inputs/", "lake/")):
        console.print(f"  [bold]{output / path}[/]  {label}")
    database = output / "vendorcast.duckdb"
    console.print(f"Try these on {database} with DuckDB (its CLI, or duckdb.connect(path).sql(...) in Python); "
                  f"the same SQL runs on Athena, and on the lake folder with `vendorcast query --lake "
                  f"{output / 'lake'}`:")
    for example in EXAMPLE_QUERIES:
        console.print(f"  {example}", soft_wrap=True, highlight=False)
    return summary
