"""The forecast workflow's steps, called in the order the state machine calls them, on a lake published in the
AWS emulator: the tables they write follow the documented contract and the Glue catalog lists them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import numpy as np
import pyarrow.dataset as ds
import pytest

from tests.integration.forecasting.conftest import EmulatedLake, run_steps
from vendorcast import resources as r
from vendorcast.forecasting import workflow
from vendorcast.forecasting.workflow import (
    ForecastInputError,
    prepare_run,
    record_failed_run,
)
from vendorcast.lake.forecast_tables import FORECAST, FORECAST_ACCURACY, FORECAST_RUNS, ForecastTable
from vendorcast.lake.query import LocalLake

pytestmark = pytest.mark.integration

LEVELS = ("p10", "p50", "p70", "p80", "p90")


@pytest.fixture(scope="module")
def published(emulated_lake: EmulatedLake) -> tuple[dict[str, Any], dict[str, Any]]:
    return run_steps("manual-test-run", horizon=4, backtest_windows=2, shard_size=10)


def _table(lake: EmulatedLake, table: ForecastTable) -> ds.Dataset:
    return ds.dataset(lake.storage.path(table.prefix), filesystem=lake.storage.filesystem, format="parquet",
                      partitioning="hive")


def test_forecast_rows_follow_the_contract(emulated_lake: EmulatedLake, published: tuple) -> None:
    run, summary = published
    assert len(run["shards"]) == -(-run["series_count"] // 10) >= 2  # 10 series per shard
    data = _table(emulated_lake, FORECAST)
    assert set(data.schema.names) >= {c.name for c in FORECAST.columns}
    frame = data.to_table().to_pandas()
    selected = frame[frame["selected"]]
    assert set(selected["model"]) == {"ensemble"}
    assert set(frame["model"]) == {"seasonal_naive", "ets", "year_over_year", "lightgbm_global", "ensemble"}
    # One selected forecast per ASIN and week, for the 4 weeks from the origin.
    assert not selected.duplicated(["asin", "week_start"]).any()
    assert sorted(selected["horizon"].unique()) == [1, 2, 3, 4]
    assert summary["items_forecast"] == selected["asin"].nunique() > 0
    values = frame[list(LEVELS)].to_numpy()
    assert (values >= 0).all() and (np.diff(values, axis=1) >= -1e-9).all()  # non-negative, never crossing
    assert str(min(selected["week_start"])) == run["origin"]
    # The simulated vendor pulls the MANUFACTURING view, so every ASIN's units are customer orders.
    assert set(frame["units_source"]) == {"ordered_units"}


def test_accuracy_and_run_rows(emulated_lake: EmulatedLake, published: tuple) -> None:
    run, summary = published
    accuracy = _table(emulated_lake, FORECAST_ACCURACY).to_table().to_pandas()
    assert set(accuracy.columns) >= {c.name for c in FORECAST_ACCURACY.columns}
    headline = accuracy[(accuracy["segment"] == "all") & accuracy["backtest_window"].isna()
                        & accuracy["horizon"].isna()]
    by_model = headline.pivot_table(index="model", columns="metric", values="value")
    assert {"seasonal_naive", "ets", "year_over_year", "lightgbm_global", "ensemble"} <= set(by_model.index)
    assert by_model.loc["ensemble", "wql_mean"] == pytest.approx(summary["wql_mean"])
    # Amazon's forecast is scored on the weeks it covered, next to ours on the same weeks.
    versus = accuracy[accuracy["segment"] == "vs_amazon"]
    assert {"amazon", "ensemble"} <= set(versus["model"])
    assert summary["amazon_wql_p70_p90"] is not None and summary["wql_p70_p90"] is not None
    runs = _table(emulated_lake, FORECAST_RUNS).to_table().to_pandas()
    row = runs[runs["run_id"] == run["run_id"]].iloc[0]
    assert row["status"] == "SUCCEEDED" and row["items_forecast"] == summary["items_forecast"]
    assert "wQL" in summary["subject"] and "seasonal naive" in summary["message"]


def test_the_views_and_the_glue_catalog_see_the_run(emulated_lake: EmulatedLake, published: tuple) -> None:
    run, _ = published
    glue = boto3.client("glue", endpoint_url=emulated_lake.endpoint)
    for table in (FORECAST, FORECAST_ACCURACY, FORECAST_RUNS):
        partitions = glue.get_partitions(DatabaseName=r.GLUE_DATABASE, TableName=table.name)["Partitions"]
        assert [run["origin"]] in [p["Values"] for p in partitions]
    with LocalLake.open(emulated_lake.storage) as lake:
        latest = lake.query("SELECT count(DISTINCT asin) AS asins FROM v_forecast_latest").to_pylist()
    assert latest[0]["asins"] > 0


def test_a_repeated_publish_rewrites_the_same_objects(emulated_lake: EmulatedLake, published: tuple) -> None:
    before = sorted(o.key for o in emulated_lake.storage.list(FORECAST.prefix))
    run_steps("manual-test-run", horizon=4, backtest_windows=2, shard_size=10)
    assert sorted(o.key for o in emulated_lake.storage.list(FORECAST.prefix)) == before


def test_bad_input_is_named(emulated_lake: EmulatedLake) -> None:
    now = datetime.now(UTC).isoformat()
    with pytest.raises(ForecastInputError, match=r"origin: .*Sunday"):
        prepare_run({"run_id": "bad", "started_at": now, "origin": "2025-01-01"})
    with pytest.raises(ForecastInputError, match="horizon"):
        prepare_run({"run_id": "bad", "started_at": now, "horizon": 0})
    with pytest.raises(ForecastInputError, match="needs at least"):
        prepare_run({"run_id": "bad", "started_at": now, "horizon": 30, "backtest_windows": 2})


def test_a_failed_run_is_recorded(emulated_lake: EmulatedLake) -> None:
    started = datetime(2025, 8, 6, 6, 0, tzinfo=UTC)
    notice = record_failed_run({"failed_state": "Train", "failure": {"Error": "MemoryError", "Cause": "out of memory"},
                                "run_id": "weekly-2025-08-03", "started_at": started.isoformat(),
                                "input": {"trigger": "scheduled"}})
    assert "Train" in notice["subject"] and "out of memory" in notice["message"]
    runs = _table(emulated_lake, FORECAST_RUNS).to_table().to_pandas()
    row = runs[runs["run_id"] == "weekly-2025-08-03"].iloc[0]
    assert row["status"] == "FAILED" and row["failed_state"] == "Train"
    assert str(row["forecast_origin"]) == str((started - timedelta(days=3)).date())  # the Sunday of its week


def test_train_learns_from_a_sample_of_a_large_catalogue_and_every_series_is_forecast(
        emulated_lake: EmulatedLake, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above POOLED_MAX_SERIES the pooled models learn from a random sample of series (memory stays bounded);
    every shard still forecasts every one of its series with them."""
    monkeypatch.setattr(workflow, "POOLED_MAX_SERIES", 8)
    run, summary = run_steps("manual-sampled-run", horizon=4, backtest_windows=2, shard_size=10)
    assert run["series_count"] > 8
    frame = _table(emulated_lake, FORECAST).to_table(filter=ds.field("run_id") == "manual-sampled-run").to_pandas()
    selected = frame[frame["selected"]].drop_duplicates(["account", "marketplace_id", "asin"])
    assert len(selected) == summary["items_forecast"] == run["series_count"]
