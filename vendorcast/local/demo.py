"""`vendorcast demo` / `make demo`: the whole ingestion on this machine, with no AWS account. A simulated
vendor behind the SP-API emulator, the AWS emulator holding the lake, the Lambdas driven as AWS would drive
them; a progress bar while it runs, then what landed, and the lake written to the output folder."""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vendorcast import resources as r
from vendorcast.clock import ScaledClock
from vendorcast.config import LocalConfig, VendorcastConfig, parse_config
from vendorcast.ingestion.ledger import RequestStatus
from vendorcast.local.runtime import LocalPipeline
from vendorcast.local.runtime import Progress as PipelineProgress
from vendorcast.sandbox.settings import FaultSettings, SandboxSettings

DEMO_ACCOUNT = "demo-vendor"
EXAMPLE_QUERIES = (
    "SELECT week_start, sum(units) AS units, sum(revenue) AS revenue FROM demand_weekly "
    "GROUP BY 1 ORDER BY 1 DESC LIMIT 8",
    "SELECT asin, week_start, units_wow_change, units_yoy_change FROM v_sales_trend "
    "ORDER BY week_start DESC, asin LIMIT 10",
    "SELECT asin, weeks_of_cover, stockout_risk FROM v_inventory_health ORDER BY weeks_of_cover LIMIT 10",
)
DEMO_SECRET = "vendorcast/demo-vendor/spapi"


def demo_config(backfill_start: date) -> VendorcastConfig:
    """One US vendor account pulling every catalogue report (the defaults)."""
    return parse_config({
        "accounts": [{"name": DEMO_ACCOUNT, "region": "NA", "marketplace_ids": ["ATVPDKIKX0DER"],
                      "secret_name": DEMO_SECRET, "backfill_start": backfill_start.isoformat()}],
        "schedules": {"retry_not_available_after_hours": 1},
    }, source="demo config")


def export_lake(pipeline: LocalPipeline, output: Path) -> int:
    """Copy the emulator's lake bucket (landing and raw zones) to `output/lake`; returns files written."""
    assert pipeline.aws is not None
    s3 = pipeline.aws.client("s3")
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=r.LAKE_BUCKET):
        for obj in page.get("Contents", []):
            target = output / "lake" / obj["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=r.LAKE_BUCKET, Key=obj["Key"])["Body"].read())
            count += 1
    return count


def _landed_by_stream(pipeline: LocalPipeline) -> dict[str, dict[str, Any]]:
    streams: dict[str, dict[str, Any]] = defaultdict(lambda: Counter())
    for entry in pipeline.entries():
        stats = streams[entry.window.stream_name]
        stats[entry.status.value] += 1
        if entry.status is RequestStatus.LANDED:
            stats["rows"] += entry.rows or 0
            stats["restatements" if entry.window.pull.startswith("restate-") else "pulls"] += 1
        stats["first"] = min(stats.get("first") or entry.window.start.isoformat(), entry.window.start.isoformat())
        stats["last"] = max(stats.get("last") or entry.window.end.isoformat(), entry.window.end.isoformat())
    return {name: dict(stats) for name, stats in sorted(streams.items())}


def run_demo(*, asins: int, weeks: int, seed: int, faults: str, time_scale: float | None, output: Path,
             today: date, console: Console | None = None) -> dict[str, Any]:
    console = console or Console()
    # The functions log every event, and every retry of an injected fault, as JSON as they do in CloudWatch;
    # the demo summarises them instead and shows only errors (operator alerts among them).
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    start = datetime.combine(today, day_time(6), UTC)
    backfill_start = today - timedelta(weeks=weeks)
    config = demo_config(backfill_start)
    scale = time_scale or LocalConfig().time_scale
    sandbox = SandboxSettings(seed=seed, n_asins=asins, history_start=backfill_start - timedelta(days=60),
                              faults=FaultSettings.preset(faults))
    console.print(f"[bold]vendorcast demo[/]: {asins} ASINs, {weeks} weeks of history from {backfill_start}, "
                  f"faults: {faults}, time x{scale:g}")
    console.print("Starting the AWS emulator (moto) and the SP-API emulator on 127.0.0.1 ...")
    started = time.monotonic()
    with LocalPipeline(config, sandbox, ScaledClock.starting_at(start, scale)) as pipeline:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[detail]}"))
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("report windows landed", total=None, detail="")

            def show(progress: PipelineProgress) -> None:
                detail = ", ".join(f"{k.lower()} {v}" for k, v in sorted(progress.by_status.items()))
                sim = progress.sim_now.strftime("%Y-%m-%d %H:%M") if progress.sim_now else ""
                bar.update(task, total=progress.total or None, completed=progress.finished,
                           detail=f"{detail}; simulated time {sim}")

            final = pipeline.run_until_settled(timeout=1800, on_progress=show)
        streams = _landed_by_stream(pipeline)
        stats = pipeline.sandbox.stats
        notifications = Counter(f for n in pipeline.sandbox.notifications.values() for f in n.faults)
        report_faults = Counter(f for rep in pipeline.sandbox.served_reports.values() for f in rep.faults)
        dlq = pipeline.queue_depth(pipeline.aws.dlq_url)
        console.print("Publishing the lake (raw/ to curated/, as the Glue job does) ...")
        published = pipeline.publish_lake()
        output.mkdir(parents=True, exist_ok=True)
        files = export_lake(pipeline, output)
        simulated = final.sim_now - start if final.sim_now else timedelta(0)

    elapsed = time.monotonic() - started
    table = Table(title="What landed in the lake")
    for column in ("report stream", "windows", "restatement pulls", "rows", "from", "to"):
        table.add_column(column, justify="right" if column in ("windows", "restatement pulls", "rows") else "left")
    for name, s in streams.items():
        label = name.removeprefix("GET_VENDOR_").replace("_REPORT", "").replace("NET_PURE_PRODUCT_MARGIN", "NPPM")
        table.add_row(label, str(s.get("LANDED", 0)), str(s.get("restatements", 0)), f"{s.get('rows', 0):,}",
                      s["first"], s["last"])
    console.print(table)
    handled = {
        "429 throttles (injected)": sum(s.injected_throttles for s in stats.values()),
        "5xx errors (injected)": sum(s.server_errors for s in stats.values()),
        "FATAL 'not yet available' reports": report_faults.get("fatal_not_available", 0),
        "truncated downloads": report_faults.get("truncated_download", 0),
        "lost notifications": notifications.get("lost_notification", 0),
        "duplicated notifications": notifications.get("duplicate_notification", 0),
        "token-bucket 429s (should be 0)": sum(s.throttled for s in stats.values()),
    }
    console.print("Faults the pipeline absorbed: " + "; ".join(f"{k}: {v}" for k, v in handled.items()))
    console.print(f"Ledger: {final.by_status}; dead-letter queue: {dlq} message(s)")
    curated = Table(title="Curated tables (what Athena and the dashboards read)")
    for column in ("table", "partitions", "rows"):
        curated.add_column(column, justify="left" if column == "table" else "right")
    for name, table in sorted(published.summary()["tables"].items()):
        curated.add_row(name, str(table["partitions_written"]), f"{table['rows_written']:,}")
    console.print(curated)
    console.print(f"Simulated {simulated} of Amazon's time in {elapsed:.0f} s "
                  f"(Amazon's createReport quota is about one a minute: the same backfill takes about that long "
                  f"for real).")
    summary = {
        "asins": asins, "weeks": weeks, "seed": seed, "faults": faults, "time_scale": scale,
        "seconds": round(elapsed, 1), "simulated_seconds": simulated.total_seconds(),
        "ledger": final.by_status, "dead_letter_messages": dlq, "streams": streams, "faults_absorbed": handled,
        "lake_files": files, "lake_folder": str(output / "lake"), "publish": published.summary(),
    }
    (output / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    console.print(f"Wrote {files} lake files under [bold]{output / 'lake'}[/] (landing/ = documents as Amazon "
                  f"served them, raw/ = typed Parquet, curated/ = the published tables) and "
                  f"{output / 'summary.json'}.")
    lake = output / "lake"
    console.print("Try, on the local lake (the same SQL runs on Athena with --athena):")
    for example in EXAMPLE_QUERIES:
        console.print(f'  vendorcast query --lake {lake} "{example}"')
    return summary
