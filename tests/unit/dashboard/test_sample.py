"""The sample lake behind the browser test and the README screenshot: its forecast tables follow their contract
(files, partitions, selected rows, runs, pooled accuracy), so the views and the dashboard read them as they will
read the forecast workflow's."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vendorcast.dashboard.sample import ENSEMBLE, MODELS, SampleLake, build_sample_lake
from vendorcast.lake.forecast_tables import AMAZON_MODEL, FORECAST_TABLES
from vendorcast.lake.query import LocalLake

SPEC = SampleLake(n_asins=5, first_week=date(2024, 1, 7), weeks=56, horizon=6, runs=3, backtest_windows=2,
                  failed_run=1, seed=3)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_lake(tmp_path_factory.mktemp("sample") / "lake", SPEC)


def test_forecast_files_follow_the_contract(sample: Path) -> None:
    for table in FORECAST_TABLES.values():
        files = sorted((sample / table.prefix).rglob("*.parquet"))
        assert files, table.name
        for path in files:
            assert path.parent.name.startswith("forecast_origin=")
            assert pq.read_schema(path).names == list(table.column_names)


def test_runs_forecasts_and_accuracy_line_up(sample: Path) -> None:
    last_sales_week = SPEC.first_week + timedelta(weeks=SPEC.weeks - 1)
    latest = last_sales_week + timedelta(weeks=1)
    with LocalLake.open(sample) as lake:
        runs = lake.query("SELECT forecast_origin, status, error FROM forecast_runs ORDER BY 1").to_pylist()
        assert [r["forecast_origin"] for r in runs] == [latest - timedelta(weeks=k) for k in (2, 1, 0)]
        assert [r["status"] for r in runs] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
        [row] = lake.query("SELECT min(forecast_origin) AS origin, min(model) AS model, max(horizon) AS horizon, "
                           "bool_and(p10 <= p50 AND p50 <= p70 AND p70 <= p80 AND p80 <= p90) AS ordered "
                           "FROM v_forecast_latest").to_pylist()
        assert row == {"origin": latest, "model": ENSEMBLE, "horizon": SPEC.horizon, "ordered": True}
        models = lake.query("SELECT DISTINCT model FROM forecast").column(0).to_pylist()
        assert sorted(models) == sorted(MODELS)
        # Pooled accuracy per model; Amazon scored at P70 to P90 only.
        metrics = lake.query("SELECT model, list(metric ORDER BY metric) AS metrics FROM forecast_accuracy "
                             "WHERE forecast_origin = DATE '" + str(latest) + "' GROUP BY model", dialect="duckdb")
        by_model = {r["model"]: r["metrics"] for r in metrics.to_pylist()}
        assert by_model[AMAZON_MODEL] == ["bias", "wape", "wql_p70", "wql_p80", "wql_p90"]
        assert "wql_mean" in by_model[ENSEMBLE] and "coverage_p10_p90" in by_model[ENSEMBLE]
        # The earlier run's forecast weeks are sold by now: they compare with Amazon's.
        known = lake.query("SELECT count(*) AS n FROM v_forecast_vs_amazon WHERE actual_known").column(0)[0].as_py()
        assert known > 0


def test_purchase_orders_feed_otif_open_lines_and_the_stockout_check(sample: Path) -> None:
    with LocalLake.open(sample) as lake:
        def count(sql: str) -> int:
            return lake.query(sql).column(0)[0].as_py()

        # Every line received into was settled and judged; some lines are still open at the lake's last read.
        assert count("SELECT count(*) FROM v_otif_weekly") > 0
        assert count("SELECT sum(on_time_in_full_units) FROM v_otif_weekly") > 0
        assert count("SELECT count(*) FROM v_open_purchase_orders") > 0
        # Lead times are learned from the receipts, and the open PO units of the last week come from the PO lines.
        sources = {r["lead_time_source"]: r["n"] for r in lake.query(
            "SELECT lead_time_source, count(*) AS n FROM v_inventory_health GROUP BY lead_time_source").to_pylist()}
        assert set(sources) <= {"asin_receipts", "account_receipts"}
        assert count("SELECT count(*) FROM v_inventory_health "
                     "WHERE open_purchase_order_units_source = 'purchase_orders'") == sum(sources.values())
