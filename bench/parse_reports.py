"""Parse benchmark: a synthetic GET_VENDOR_SALES_REPORT (DAY, N ASINs x D days) to Parquet by vendorcast's
parser and by json.load + pandas.json_normalize + to_parquet, side by side, each in a fresh process.

    .venv/bin/python bench/parse_reports.py [--asins 100000 --days 7 --repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

REPORT_TYPE = "GET_VENDOR_SALES_REPORT"
MARKETPLACE_ID = "ATVPDKIKX0DER"
FIRST_DAY = date(2025, 6, 1)
SEED = 20250601
# The bar this benchmark holds vendorcast to, against the baseline in the same run.
TARGET_SPEEDUP = 3.0
TARGET_MEMORY_SHARE = 0.5


# --- the synthetic document ---------------------------------------------------------------------------


def _amount(value: float) -> dict[str, object]:
    return {"amount": round(value, 2), "currencyCode": "USD"}


def write_sales_document(path: Path, asins: int, days: int, seed: int = SEED) -> int:
    """A DAY / MANUFACTURING / RETAIL sales report, valid per Amazon's schema, streamed to `path` as compact
    JSON (as Amazon serves it). Returns the number of by-ASIN rows."""
    rng = random.Random(seed)
    dates = [(FIRST_DAY + timedelta(days=i)).isoformat() for i in range(days)]
    # Per ASIN: a price, a cost share and a demand level; per day: Poisson-like noise around the level.
    catalogue = [(f"B0{i:08d}", round(rng.uniform(4.99, 199.99), 2), rng.uniform(0.4, 0.7),
                  rng.expovariate(1 / 6)) for i in range(asins)]
    totals = {day: [0, 0, 0, 0.0, 0.0, 0.0] for day in dates}  # returns, ordered, shipped, revenues, cogs
    with path.open("w", encoding="utf-8") as out:
        specification = {
            "reportType": REPORT_TYPE,
            "reportOptions": {
                "reportPeriod": "DAY", "distributorView": "MANUFACTURING", "sellingProgram": "RETAIL",
            },
            "lastUpdatedDate": (FIRST_DAY + timedelta(days=days + 2)).isoformat(),
            "dataStartTime": dates[0],
            "dataEndTime": dates[-1],
            "marketplaceIds": [MARKETPLACE_ID],
        }
        out.write('{"reportSpecification":' + json.dumps(specification, separators=(",", ":")))
        out.write(',"salesByAsin":[')
        first = True
        for asin, price, cost_share, level in catalogue:
            for day in dates:
                ordered = max(0, round(rng.gauss(level, level ** 0.5 + 0.5)))
                shipped = max(0, ordered - rng.randint(0, 1))
                returns = rng.randint(0, 1) if shipped > 3 else 0
                row = {
                    "startDate": day, "endDate": day, "asin": asin, "customerReturns": returns,
                    "orderedRevenue": _amount(ordered * price), "orderedUnits": ordered,
                    "shippedCogs": _amount(shipped * price * cost_share),
                    "shippedRevenue": _amount(shipped * price), "shippedUnits": shipped,
                }
                out.write(("" if first else ",") + json.dumps(row, separators=(",", ":")))
                first = False
                total = totals[day]
                total[0] += returns
                total[1] += ordered
                total[2] += shipped
                total[3] += ordered * price
                total[4] += shipped * price
                total[5] += shipped * price * cost_share
        out.write('],"salesAggregate":[')
        aggregates = [
            {"startDate": day, "endDate": day, "customerReturns": t[0], "orderedRevenue": _amount(t[3]),
             "orderedUnits": t[1], "shippedCogs": _amount(t[5]), "shippedRevenue": _amount(t[4]),
             "shippedUnits": t[2]}
            for day, t in totals.items()
        ]
        out.write(",".join(json.dumps(a, separators=(",", ":")) for a in aggregates))
        out.write("]}")
    return asins * days


# --- the two contenders, each run in a child process ---------------------------------------------------


def run_vendorcast(source: Path, target: Path) -> dict[str, object]:
    import pyarrow.parquet as pq

    from vendorcast.reports.parsers import parse_report_file

    started = time.perf_counter()
    summary = parse_report_file(REPORT_TYPE, source, target, report_id="bench", request_key="bench")
    seconds = time.perf_counter() - started
    written = pq.read_table(target, columns=["row_level", "shipped_units"]).to_pydict()
    by_asin = [units for level, units in zip(written["row_level"], written["shipped_units"], strict=True)
               if level == "asin"]
    assert summary.rows == len(written["row_level"])
    return {"seconds": seconds, "rows": len(by_asin), "shipped_units": sum(by_asin)}


def run_baseline(source: Path, target: Path) -> dict[str, object]:
    import pandas as pd
    import pyarrow.parquet  # noqa: F401  (imported before the clock starts, as vendorcast's is)

    started = time.perf_counter()
    with (gzip.open(source) if source.suffix == ".gz" else source.open("rb")) as f:
        document = json.load(f)
    frame = pd.json_normalize(document["salesByAsin"])
    frame.to_parquet(target)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(frame), "shipped_units": int(frame["shippedUnits"].sum())}


CONTENDERS = {"vendorcast": run_vendorcast, "baseline": run_baseline}


@dataclass
class Measurement:
    seconds: float
    peak_rss_mib: float
    rows: int
    shipped_units: int


def measure(contender: str, source: Path, target: Path) -> Measurement:
    """Run one contender in a fresh interpreter; its peak RSS comes from wait4, for that child alone."""
    command = [sys.executable, __file__, "--child", contender, str(source), str(target)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parents[1])
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{contender} failed with exit code {child.returncode}")
    result = json.loads(output)
    return Measurement(result["seconds"], usage.ru_maxrss / 1024, result["rows"], result["shipped_units"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--asins", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender; the median is reported")
    parser.add_argument("--child", nargs=3, metavar=("CONTENDER", "SOURCE", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        contender, source, target = args.child
        print(json.dumps(CONTENDERS[contender](Path(source), Path(target))))
        return

    with tempfile.TemporaryDirectory(prefix="vendorcast-bench-") as tmp:
        source = Path(tmp) / "sales.json"
        started = time.perf_counter()
        rows = write_sales_document(source, args.asins, args.days)
        size_mib = source.stat().st_size / 2**20
        print(f"document: {REPORT_TYPE} DAY, {args.asins:,} ASINs x {args.days} days = {rows:,} by-ASIN "
              f"rows, {size_mib:,.0f} MiB JSON (generated in {time.perf_counter() - started:.1f} s)")
        runs: dict[str, list[Measurement]] = {name: [] for name in CONTENDERS}
        for _ in range(args.repeat):
            for name in CONTENDERS:  # interleaved, so that a noisy neighbour hits both alike
                runs[name].append(measure(name, source, Path(tmp) / f"{name}.parquet"))
        sizes = {name: (Path(tmp) / f"{name}.parquet").stat().st_size / 2**20 for name in CONTENDERS}

    for name, measured in runs.items():
        if any(m.rows != rows for m in measured):
            raise SystemExit(f"{name} wrote {measured[0].rows} by-ASIN rows, expected {rows}")
    if len({m.shipped_units for ms in runs.values() for m in ms}) != 1:
        raise SystemExit("the contenders disagree on the total of shipped units")

    seconds = {name: statistics.median(m.seconds for m in ms) for name, ms in runs.items()}
    memory = {name: statistics.median(m.peak_rss_mib for m in ms) for name, ms in runs.items()}
    speedup = seconds["baseline"] / seconds["vendorcast"]
    memory_share = memory["vendorcast"] / memory["baseline"]
    print(f"median of {args.repeat} run(s) each, {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}")
    print()
    print(f"| {'contender':<10} | {'wall s':>7} | {'peak RSS MiB':>12} | {'Parquet MiB':>11} |")
    print(f"|{'-' * 12}|{'-' * 9}|{'-' * 14}|{'-' * 13}|")
    for name in CONTENDERS:
        print(f"| {name:<10} | {seconds[name]:>7.2f} | {memory[name]:>12,.0f} | {sizes[name]:>11.1f} |")
    print()
    print(f"baseline / vendorcast time:   {speedup:5.1f}x  (target >= {TARGET_SPEEDUP:.0f}x: "
          f"{'met' if speedup >= TARGET_SPEEDUP else 'MISSED'})")
    print(f"vendorcast / baseline memory: {memory_share:5.2f}   (target <= {TARGET_MEMORY_SHARE}: "
          f"{'met' if memory_share <= TARGET_MEMORY_SHARE else 'MISSED'})")
    if speedup < TARGET_SPEEDUP or memory_share > TARGET_MEMORY_SHARE:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
