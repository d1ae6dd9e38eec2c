"""The forecaster on Parquet files (the `vendorcast forecast-file` and `backtest-file` commands): read and check
the history and future files, run, write the ensemble forecast or the backtest metrics."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vendorcast.forecasting.ensemble import ENSEMBLE
from vendorcast.forecasting.forecaster import backtest_report, forecast_panel, prepare_panel
from vendorcast.forecasting.metrics import quantile_name
from vendorcast.forecasting.panel import (
    ITEM,
    STOPPED_SELLING_WEEKS,
    WEEK,
    PanelError,
    check_history,
    covariate_columns,
)
from vendorcast.forecasting.settings import ForecastSettings
from vendorcast.lake.promotions import file_promotion_plan, grid_weeks

log = logging.getLogger(__name__)


def read_table(path: Path, role: str) -> pd.DataFrame:
    try:
        return pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowInvalid) as exc:
        raise PanelError(f"{role} {path}: not a readable Parquet file ({exc})") from None


def parse_quantiles(text: str) -> tuple[float, ...]:
    try:
        levels = tuple(sorted({float(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise PanelError(f"--quantiles {text!r}: give levels between 0 and 1 separated by commas, "
                         "e.g. 0.1,0.5,0.9") from None
    return levels


def with_promotions(history: pd.DataFrame, future: pd.DataFrame | None, path: Path, horizon: int,
                    on_problem: Callable[[str], None]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history and future with the promotion plan file's covariates (vendorcast.lake.promotions) as columns:
    known ahead, over the weeks the plan covers. Each bad row of the file is passed to `on_problem`."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise PanelError(f"promotions {path}: cannot be read ({exc.strerror})") from None
    checked = check_history(history)
    last = checked[WEEK].max()
    weeks = grid_weeks(checked[WEEK].min().date(), (last + timedelta(weeks=horizon)).date())
    plan = file_promotion_plan(path.name, content, checked, weeks)
    for problem in plan.problems:
        on_problem(problem)
    covariates = plan.covariates.astype({WEEK: "datetime64[ns]"})
    history = checked.astype({WEEK: "datetime64[ns]"}).merge(covariates[covariates[WEEK] <= last], how="left",
                                                              on=[ITEM, WEEK])
    planned = covariates[covariates[WEEK] > last]
    if future is not None:
        planned = future.astype({WEEK: "datetime64[ns]"}).merge(planned, on=[ITEM, WEEK], how="outer")
    return history, planned


def forecast_file(history_path: Path, output_path: Path, settings: ForecastSettings,
                  future_path: Path | None = None, promotions_path: Path | None = None,
                  on_problem: Callable[[str], None] = log.warning,
                  on_note: Callable[[str], None] = log.info) -> pd.DataFrame:
    """Forecast every item of the history file; writes item_id, week_start, mean and one column per quantile. A
    promotion plan file (CSV or Parquet, docs/operations.md) adds its covariates known ahead. `on_note` hears
    which items are forecast at zero because they stopped selling (their rows are still written)."""
    history = read_table(history_path, "history")
    future = read_table(future_path, "future") if future_path else None
    if promotions_path:
        history, future = with_promotions(history, future, promotions_path, settings.horizon, on_problem)
    panel = prepare_panel(history, settings.horizon, future)
    settings.check_history_length(panel.history_weeks)
    result = forecast_panel(panel, settings)
    if result.stopped_items:
        shown = ", ".join(result.stopped_items[:10]) + (", ..." if len(result.stopped_items) > 10 else "")
        on_note(f"{len(result.stopped_items)} item(s) with no week in the {STOPPED_SELLING_WEEKS} before the "
                f"forecast are forecast at zero (stopped selling): {shown}")
    frame = result.to_frame([ENSEMBLE])
    columns = [ITEM, WEEK, "mean", *(quantile_name(q) for q in sorted(settings.levels))]
    output = frame[columns].copy()
    output[WEEK] = output[WEEK].dt.date
    output_path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(output, preserve_index=False), output_path)
    return output


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def backtest_file(history_path: Path, output_path: Path, settings: ForecastSettings,
                  past_only: Sequence[str] = (), promotions_path: Path | None = None,
                  on_problem: Callable[[str], None] = log.warning) -> dict[str, Any]:
    """Rolling-origin metrics per model and for the ensemble, next to seasonal naive; writes them as JSON. Every
    covariate counts as known ahead (the history holds its values for the scored weeks, as a planned price or
    promotion would be), except those named in `past_only`; a promotion plan file adds its covariates."""
    history = read_table(history_path, "history")
    if promotions_path:
        history, _ = with_promotions(history, None, promotions_path, 0, on_problem)
    covariates = covariate_columns(check_history(history))
    unknown = [c for c in past_only if c not in covariates]
    if unknown:
        raise PanelError(f"--past-only {', '.join(unknown)}: not a covariate of the history "
                         f"({', '.join(covariates) or 'it has none'})")
    panel = prepare_panel(history, 0, known_covariates=[c for c in covariates if c not in past_only])
    settings.check_history_length(panel.history_weeks)
    report = _clean(backtest_report(panel, settings))
    output_path.parent.mkdir(parents=True, exist_ok=True)
    output_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report
