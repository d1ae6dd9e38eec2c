"""The rows of the forecast tables (vendorcast.lake.forecast_tables) from the engine's results: forecasts and
accuracy per account, marketplace and ASIN (joined from the run's series table, never parsed from the series id),
the run's own row, and the plan's tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from vendorcast.lake.forecast_inputs import SERIES_ID
from vendorcast.lake.forecast_tables import FORECAST, FORECAST_ACCURACY, FORECAST_RUNS, ForecastTable
from vendorcast.lake.tables import UNITS_SOURCE_ORDERED


def utc(moment: datetime | str) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)


def forecast_rows(forecasts: pd.DataFrame, series: pd.DataFrame, run_id: str, generated_at: datetime) -> pa.Table:
    """`forecasts` as the engine's PanelForecast.to_frame gives them, with each series' account, marketplace, ASIN
    and what its units measure."""
    frame = forecasts.merge(series, on=SERIES_ID, how="left", validate="many_to_one")
    week_start = pd.to_datetime(frame["week_start"])
    frame = frame.assign(run_id=run_id, generated_at=utc(generated_at), week_start=week_start.dt.date,
                         week_end=(week_start + pd.Timedelta(days=6)).dt.date,
                         units_source=frame["units_source"].fillna(UNITS_SOURCE_ORDERED))
    return pa.Table.from_pandas(frame[list(FORECAST.column_names)], schema=FORECAST.data_schema,
                                preserve_index=False)


def accuracy_rows(pooled: Sequence[Mapping[str, Any]], series: pd.DataFrame, run_id: str, generated_at: datetime,
                  window_origins: Sequence[date]) -> pa.Table:
    """One row per metric of each pooled record (metrics.pool_accuracy); per-ASIN records name their series."""
    about = series.set_index(SERIES_ID)[["account", "marketplace_id", "asin"]].to_dict("index")
    rows = []
    for record in pooled:
        names = about.get(record["item_id"], {}) if record["item_id"] else {}
        window = record["backtest_window"]
        for metric, value in record["metrics"].items():
            if value is None or not np.isfinite(value):
                continue
            rows.append({
                "run_id": run_id, "generated_at": utc(generated_at),
                "account": names.get("account"), "marketplace_id": names.get("marketplace_id"),
                "model": record["model"], "segment": record["segment"], "asin": names.get("asin"),
                "backtest_window": window, "backtest_origin": window_origins[window - 1] if window else None,
                "horizon": record["horizon"], "metric": metric, "value": float(value), "items": record["items"],
                "weeks": record["weeks"], "actual_units": record["absolute_actual"],
            })
    return pa.Table.from_pylist(rows, schema=FORECAST_ACCURACY.data_schema)


def run_row(**values: Any) -> pa.Table:
    """The run's forecast_runs row; columns not given are null."""
    row = {name: values.get(name) for name in FORECAST_RUNS.column_names}
    unknown = set(values) - set(row)
    if unknown:
        raise ValueError(f"forecast_runs has no column(s) {', '.join(sorted(unknown))}")
    return pa.Table.from_pylist([row], schema=FORECAST_RUNS.data_schema)


def planning_rows(table: ForecastTable, frame: pd.DataFrame, run_id: str, generated_at: datetime) -> pa.Table:
    """A plan table's rows (vendorcast.planning.plan_supply's frame, without the run's columns) with the run's id and
    start, each column as the contract types it: dates as dates, timestamps in UTC."""
    frame = frame.assign(run_id=run_id, generated_at=utc(generated_at))
    for column in table.columns:
        if column.name not in frame:
            raise ValueError(f"{table.name} rows lack column {column.name}")
        values = frame[column.name]
        if column.type == "date":
            frame[column.name] = pd.to_datetime(values).dt.date
        elif column.type == "timestamp":
            frame[column.name] = pd.to_datetime(values, utc=True)
    return pa.Table.from_pandas(frame[list(table.column_names)], schema=table.data_schema, preserve_index=False)
