"""Publishing benchmark: the curated tables from a synthetic raw zone of N ASINs x W weeks (the weekly streams of
a default config, 13-week documents each delivered twice, a forecast snapshot every week), by vendorcast's
incremental job on DuckDB and by a plain full rebuild in DuckDB (the same SQL over every raw file, one COPY per
table, no state), side by side, each in a fresh process.

    .venv/bin/python bench/publish_lake.py [--asins 2000 --weeks 104 | --fixture] [--raw-zone DIR] [--spark]

Contenders: `vendorcast full` (first run: every partition), `vendorcast no-op` (the same run again),
`vendorcast one week` (one new restated weekly sales document, then a run), `baseline full` (the rebuild, which
is also what an incremental change costs without the job's state). `--spark` adds the job on local Spark
(local[1]) for the full run. `--raw-zone` keeps the generated raw zone there and reuses it on the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from vendorcast.lake.storage import LakeStorage
from vendorcast.reports.windows import PULL_RESTATE_PREFIX
from vendorcast.synthetic_lake import (
    WEEKLY_STREAMS,
    ReportStream,
    SyntheticLake,
    write_report,
    write_synthetic_lake,
)
from vendorcast.vocabulary.report_catalogue import ReportType

FIRST_WEEK = date(2024, 6, 2)
SALES_WEEK = ReportStream(ReportType.SALES, (("reportPeriod", "WEEK"), ("distributorView", "MANUFACTURING"),
                                             ("sellingProgram", "RETAIL")))


def lake_spec(asins: int, weeks: int) -> SyntheticLake:
    return SyntheticLake(n_asins=asins, first_week=FIRST_WEEK, weeks=weeks, weeks_per_document=13,
                         restatements=1, streams=WEEKLY_STREAMS, catalog=False, seed=20240602)


# --- contenders (each runs in a child process) ---------------------------------------------------------------


def vendorcast_publish(lake: Path) -> dict[str, object]:
    from vendorcast.lake.publish import publish_lake_local

    result = publish_lake_local(lake)
    return {"rows": {n: sum(t.written.values()) for n, t in result.tables.items()},
            "partitions": result.partitions_written, "ok": result.ok}


def spark_publish(lake: Path) -> dict[str, object]:
    from pyspark.sql import SparkSession

    from vendorcast.lake.engines import SparkEngine
    from vendorcast.lake.publish import publish_lake

    spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    storage = LakeStorage.local(lake)
    result = publish_lake(storage, SparkEngine(spark, storage))
    return {"rows": {n: sum(t.written.values()) for n, t in result.tables.items()},
            "partitions": result.partitions_written, "ok": result.ok}


def baseline_rebuild(lake: Path) -> dict[str, object]:
    """Every curated table rebuilt from every raw file: DuckDB's own Parquet reader, the same SQL, COPY with
    PARTITION_BY. No manifest, no partition selection, no schema checks."""
    import duckdb

    from vendorcast.lake.engines import duckdb_sql, publish_parameters
    from vendorcast.lake.tables import CURATED_TABLES, RAW_INPUTS

    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    for view, raw in RAW_INPUTS.items():
        files = sorted(str(p) for p in (lake / raw.prefix).rglob("*.parquet"))
        if files:
            connection.execute(
                f"CREATE VIEW {view} AS SELECT * EXCLUDE (filename), "
                f"regexp_extract(filename, 'account=([^/]+)', 1) AS account "
                f"FROM read_parquet({files!r}, filename = true, hive_partitioning = false)")
        else:
            names = ", ".join(f"NULL AS {n}" for n in [*raw.schema.names, "account"])
            connection.execute(f"CREATE VIEW {view} AS SELECT {names} WHERE false")
    connection.register("publish_parameters", publish_parameters())
    rows = {}
    for name, table in CURATED_TABLES.items():
        connection.execute(f"CREATE TABLE {name} AS {duckdb_sql(name)}")
        rows[name] = connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        if rows[name]:
            target = lake / table.prefix
            target.parent.mkdir(parents=True, exist_ok=True)
            connection.execute(f"COPY {name} TO '{target}' (FORMAT parquet, COMPRESSION zstd, "
                               f"PARTITION_BY ({', '.join(table.partition_names)}), OVERWRITE_OR_IGNORE)")
    return {"rows": rows, "ok": True}


CONTENDERS = {"vendorcast": vendorcast_publish, "spark": spark_publish, "baseline": baseline_rebuild}


def generate(lake: Path, spec: SyntheticLake) -> None:
    write_synthetic_lake(LakeStorage.local(lake), spec)


def add_week(lake: Path, spec: SyntheticLake) -> None:
    """One new document: the last week's sales, restated a week after the last delivery."""
    week = spec.first_week + timedelta(weeks=spec.weeks - 1)
    updated = spec.last_day + timedelta(days=7)
    write_report(LakeStorage.local(lake), spec.simulator(), spec, SALES_WEEK, week, week + timedelta(days=6),
                 f"{PULL_RESTATE_PREFIX}{updated}", updated)


def child(task: str, lake: Path, spec: SyntheticLake) -> None:
    if task in ("generate", "add-week"):
        (generate if task == "generate" else add_week)(lake, spec)
        return
    started = time.perf_counter()
    outcome = CONTENDERS[task](lake)
    seconds = time.perf_counter() - started
    print(json.dumps({**outcome, "seconds": seconds}))


def run_child(task: str, lake: Path, spec_args: list[str]) -> dict[str, object]:
    """A task in a fresh interpreter (so that memory is its own), with its peak RSS from os.wait4."""
    process = subprocess.Popen([sys.executable, __file__, *spec_args, "--child", task, str(lake)],
                               stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{task} failed with exit code {process.returncode}")
    lines = output.strip().splitlines()
    return {**(json.loads(lines[-1]) if lines else {}), "peak_rss_mib": usage.ru_maxrss / 1024}


# --- the run -------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--asins", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--raw-zone", type=Path, help="keep (and reuse) the generated raw zone here")
    parser.add_argument("--spark", action="store_true", help="also run the job on local Spark")
    parser.add_argument("--fixture", action="store_true",
                        help="the tests' fixture lake instead (every report type and the catalog, 6 ASINs x 6 weeks)")
    parser.add_argument("--child", nargs=2, metavar=("TASK", "LAKE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    spec = SyntheticLake() if args.fixture else lake_spec(args.asins, args.weeks)
    if args.child:
        child(args.child[0], Path(args.child[1]), spec)
        return
    spec_args = ["--fixture"] if args.fixture else ["--asins", str(args.asins), "--weeks", str(args.weeks)]

    with tempfile.TemporaryDirectory(prefix="vendorcast-bench-") as tmp:
        raw_zone = args.raw_zone or Path(tmp) / "raw-zone"
        started = time.perf_counter()
        if not (raw_zone / "raw").exists():
            run_child("generate", raw_zone, spec_args)
        files = list((raw_zone / "raw").rglob("*.parquet"))
        raw_mib = sum(f.stat().st_size for f in files) / 2**20
        print(f"raw zone: {spec.n_asins:,} ASINs x {spec.weeks} weeks, {len(files)} raw files, {raw_mib:,.1f} MiB "
              f"(ready in {time.perf_counter() - started:.1f} s)")

        def fresh_copy(name: str) -> Path:
            target = Path(tmp) / name
            shutil.copytree(raw_zone / "raw", target / "raw")
            return target

        results: dict[str, dict[str, object]] = {}
        lake = fresh_copy("vendorcast")
        results["vendorcast full"] = run_child("vendorcast", lake, spec_args)
        results["vendorcast no-op"] = run_child("vendorcast", lake, spec_args)
        run_child("add-week", lake, spec_args)
        results["vendorcast one week"] = run_child("vendorcast", lake, spec_args)
        results["baseline full"] = run_child("baseline", fresh_copy("baseline"), spec_args)
        if args.spark:
            results["spark full"] = run_child("spark", fresh_copy("spark"), spec_args)

    full, baseline = results["vendorcast full"], results["baseline full"]
    if full["rows"] != baseline["rows"]:
        raise SystemExit(f"vendorcast and the baseline disagree on rows: {full['rows']} vs {baseline['rows']}")
    print(f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}; rows per table: {json.dumps(full['rows'])}")
    print()
    print(f"| {'contender':<20} | {'wall s':>7} | {'peak RSS MiB':>12} | {'partitions written':>18} |")
    print(f"|{'-' * 22}|{'-' * 9}|{'-' * 14}|{'-' * 20}|")
    for name, measured in results.items():
        partitions = measured.get("partitions", "all")
        # Spark's memory is the JVM's, which the Python process's RSS does not show.
        memory = "-" if name.startswith("spark") else f"{measured['peak_rss_mib']:,.0f}"
        print(f"| {name:<20} | {measured['seconds']:>7.2f} | {memory:>12} | {partitions!s:>18} |")
    print()
    print(f"- vendorcast full / baseline full time: {full['seconds'] / baseline['seconds']:.2f}")
    print(f"- baseline full / vendorcast one week time: "
          f"{baseline['seconds'] / results['vendorcast one week']['seconds']:.1f}x (what the job's state saves "
          "when one week changes)")


if __name__ == "__main__":
    main()
