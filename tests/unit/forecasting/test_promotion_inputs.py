"""`vendorcast forecast-file --promotions`: the promotion plan (past and planned) becomes covariates known ahead,
so a planned promotion week is forecast with its lift; bad rows are reported and the good ones used."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from vendorcast.cli import cli
from vendorcast.forecasting.files import backtest_file, forecast_file
from vendorcast.forecasting.settings import ForecastSettings

FIRST = pd.Timestamp("2023-01-01")  # a Sunday
WEEKS = 80
HORIZON = 4
PLANNED_WEEK = 2  # the forecast week with a planned promotion (1 = the first forecast week)


def _vendor(tmp_path: Path, n_items: int = 24, seed: int = 5) -> tuple[Path, Path]:
    """A history where a week-long 25% promotion triples demand, and the plan: every past promotion, and one in
    the second forecast week for the even items."""
    rng = np.random.default_rng(seed)
    history, plan = [], []
    for i in range(n_items):
        item, level = f"item{i:02d}", rng.uniform(10, 50)
        promoted = set(np.flatnonzero(rng.random(WEEKS) < 0.15))
        if i % 2 == 0:
            promoted.add(WEEKS + PLANNED_WEEK - 1)
        for w in range(WEEKS):
            history.append({"item_id": item, "week_start": FIRST + pd.Timedelta(weeks=w),
                            "units": float(rng.poisson(level * (3.0 if w in promoted else 1.0)))})
        for w in sorted(promoted):
            start = FIRST + pd.Timedelta(weeks=int(w))
            plan.append({"item_id": item, "start_date": start.date(), "end_date": (start + pd.Timedelta(days=6)).date(),
                         "promotion_type": "best_deal", "discount_percent": 25})
    plan.append({"item_id": "item00", "start_date": "2024-13-01", "end_date": "2024-13-07",
                 "promotion_type": "coupon", "discount_percent": 10})
    pd.DataFrame(history).to_parquet(tmp_path / "history.parquet")
    pd.DataFrame(plan).to_csv(tmp_path / "promotions.csv", index=False)
    return tmp_path / "history.parquet", tmp_path / "promotions.csv"


def _lift(output: pd.DataFrame) -> pd.Series:
    """Each item's forecast in the planned week over its mean forecast in the other weeks."""
    output = output.assign(horizon=output.groupby("item_id").cumcount() + 1)
    planned = output[output["horizon"] == PLANNED_WEEK].set_index("item_id")["mean"]
    others = output[output["horizon"] != PLANNED_WEEK].groupby("item_id")["mean"].mean()
    return planned / others


def test_a_planned_promotion_is_forecast_with_its_lift(tmp_path: Path) -> None:
    history, promotions = _vendor(tmp_path)
    settings = ForecastSettings(horizon=HORIZON, levels=(0.1, 0.5, 0.9), backtest_windows=2, lightgbm_rounds=40,
                                threads=1)
    problems: list[str] = []
    with_plan = _lift(forecast_file(history, tmp_path / "with.parquet", settings, promotions_path=promotions,
                                    on_problem=problems.append))
    without = _lift(forecast_file(history, tmp_path / "without.parquet", settings))
    assert problems == ["promotions.csv row " f"{len(pd.read_csv(promotions))}, start_date: '2024-13-01' is not a "
                        "date; write it as YYYY-MM-DD, e.g. 2026-07-08",
                        "promotions.csv row " f"{len(pd.read_csv(promotions))}, end_date: '2024-13-07' is not a "
                        "date; write it as YYYY-MM-DD, e.g. 2026-07-08"]
    promoted = [f"item{i:02d}" for i in range(0, 24, 2)]
    plain = [f"item{i:02d}" for i in range(1, 24, 2)]
    assert with_plan[promoted].median() > 1.8  # the lift of a planned promotion (3x demand)
    assert with_plan[plain].median() < 1.3  # none where none is planned
    assert without[promoted].median() < 1.3  # without the plan, nothing tells the week apart


def test_the_cli_reports_skipped_rows(tmp_path: Path) -> None:
    history, promotions = _vendor(tmp_path, n_items=6)
    result = CliRunner().invoke(cli, ["forecast-file", "--history", str(history), "--promotions", str(promotions),
                                      "--horizon", "2", "--backtest-windows", "2",
                                      "--output", str(tmp_path / "out.parquet")])
    assert result.exit_code == 0, result.output
    assert "skipped: promotions.csv row" in result.output and "start_date: '2024-13-01' is not a date" in result.output
    assert "forecast 6 item(s) x 2 week(s)" in result.output


def test_backtest_file_scores_the_plan(tmp_path: Path) -> None:
    history, promotions = _vendor(tmp_path)
    settings = ForecastSettings(horizon=HORIZON, backtest_windows=2, lightgbm_rounds=40, threads=1,
                                models=("lightgbm_global",))
    with_plan = backtest_file(history, tmp_path / "with.json", settings, promotions_path=promotions,
                              on_problem=lambda problem: None)["models"]["lightgbm_global"]["metrics"]
    without = backtest_file(history, tmp_path / "without.json", settings)["models"]["lightgbm_global"]["metrics"]
    assert with_plan["wql_mean"] < 0.8 * without["wql_mean"]
