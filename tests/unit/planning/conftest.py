"""A small lake to plan from, built the way the pipeline builds one: the simulated vendor's raw zone with purchase
orders, published into curated tables, and a forecast run of the forecasting engine written as the workflow's
publish step writes it (selected rows, a SUCCEEDED run row). Built once per session, copied per test."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from vendorcast.forecasting.forecaster import forecast_panel, prepare_panel
from vendorcast.forecasting.settings import ForecastSettings
from vendorcast.lake.forecast_inputs import read_forecast_inputs
from vendorcast.lake.forecast_rows import forecast_rows, run_row
from vendorcast.lake.forecast_tables import FORECAST, FORECAST_RUNS, RUN_STATUS_SUCCEEDED
from vendorcast.lake.publish import publish_lake_local
from vendorcast.lake.storage import LakeStorage
from vendorcast.synthetic_lake import WEEKLY_STREAMS, SyntheticLake, write_synthetic_lake

RUN_ID = "manual-2025-05-25"
ORIGIN = date(2025, 5, 25)  # the week after the 20 published weeks
FORECAST_HORIZON = 8


@pytest.fixture(scope="session")
def planned_lake_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("planning-lake")
    storage = LakeStorage.local(root)
    write_synthetic_lake(storage, SyntheticLake(n_asins=8, first_week=date(2025, 1, 5), weeks=20, weeks_per_document=4,
                                                restatements=0, streams=WEEKLY_STREAMS, catalog=False,
                                                purchase_orders=True))
    assert publish_lake_local(root).ok
    inputs = read_forecast_inputs(storage, None)
    assert inputs.origin == ORIGIN
    settings = ForecastSettings(horizon=FORECAST_HORIZON, backtest_windows=1, models=("seasonal_naive", "ets"))
    forecast = forecast_panel(prepare_panel(inputs.demand[["item_id", "week_start", "units", "censored"]],
                                            FORECAST_HORIZON), settings)
    started = datetime(2025, 5, 28, 7, tzinfo=UTC)
    partition = f"forecast_origin={ORIGIN}/{RUN_ID}.parquet"
    storage.write_parquet(f"{FORECAST.prefix}/{partition}",
                          forecast_rows(forecast.to_frame(), inputs.series, RUN_ID, started), "zstd")
    storage.write_parquet(f"{FORECAST_RUNS.prefix}/{partition}",
                          run_row(run_id=RUN_ID, status=RUN_STATUS_SUCCEEDED, started_at=started,
                                  horizon=FORECAST_HORIZON), "zstd")
    return root


@pytest.fixture
def planned_lake(planned_lake_source: Path, tmp_path: Path) -> LakeStorage:
    """A fresh copy of the lake, for a test to add vendor files to."""
    shutil.copytree(planned_lake_source, tmp_path / "lake")
    return LakeStorage.local(tmp_path / "lake")
