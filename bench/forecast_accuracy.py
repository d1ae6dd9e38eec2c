"""Forecast accuracy on real retail demand: Dominick's refrigerated orange juice (913 store x brand series, weekly,
with shelf price, deal and feature flags known in advance), the data's standard protocol: 8-week horizon, 3 rolling
origins 8 weeks apart. Every model and the ensemble next to seasonal naive computed in the same run.

    .venv/bin/python bench/forecast_accuracy.py [--data ../shared/data/dominicks_oj/oj_weekly.csv.gz]

Targets (issue #5): ensemble mean wQL over P10/P50/P90 at most 0.55 of seasonal naive's; [P10, P90] coverage
between 0.75 and 0.85. The ensemble of each window is learned on the other windows only.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from vendorcast.forecasting.forecaster import ForecastSettings, backtest_report, prepare_panel

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dominicks_oj" / "oj_weekly.csv.gz"


def load_orange_juice(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    frame["item_id"] = frame["store"].astype(str) + "-" + frame["brand"].astype(str)
    return frame[["item_id", "week_start", "units", "price", "deal", "feature"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path, help="write the full report as JSON here")
    parser.add_argument("--models", default="", help="models, comma-separated (default: the engine's default "
                        "models; add the opt-in candidates, e.g. "
                        "seasonal_naive,ets,year_over_year,lightgbm_global,sarima,mq_cnn)")
    args = parser.parse_args()
    history = load_orange_juice(args.data)
    panel = prepare_panel(history, 0, known_covariates=["price", "deal", "feature"])
    settings = ForecastSettings(horizon=8, backtest_windows=3, levels=(0.1, 0.5, 0.7, 0.8, 0.9),
                                models=tuple(args.models.split(",")) if args.models else None)
    started = time.perf_counter()
    report = backtest_report(panel, settings)
    elapsed = time.perf_counter() - started
    print(f"Dominick's OJ: {report['items']} series, origins {[w['origin'] for w in report['windows']]}, "
          f"horizon 8, {elapsed:.0f} s")
    print(f"{'model':>16} {'wQL mean':>9} {'ratio':>6} {'wQL P10':>8} {'wQL P50':>8} {'wQL P90':>8} {'WAPE':>6} "
          f"{'MASE':>6} {'bias':>6} {'cov':>5}")
    for name, result in report["models"].items():
        m, rel = result["metrics"], result["relative_to_baseline"]
        print(f"{name:>16} {m['wql_mean']:9.3f} {rel['wql_mean']:6.3f} {m['wql_p10']:8.3f} {m['wql_p50']:8.3f} "
              f"{m['wql_p90']:8.3f} {m['wape']:6.3f} {m['mase']:6.3f} {m['bias']:6.3f} {m['coverage_p10_p90']:5.3f}")
    if args.output:
        args.output.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
