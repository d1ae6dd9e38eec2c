from datetime import date

import pyarrow.compute as pc
import pyarrow.parquet as pq

from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.truth import export_truth

START, END = date(2024, 1, 1), date(2024, 12, 31)


def test_export_writes_the_daily_truth_as_parquet(tmp_path):
    paths = export_truth(9, 25, START, END, tmp_path / "truth")
    tables = {p.name: pq.read_table(p) for p in paths}
    assert set(tables) == {
        "catalogue.parquet",
        "daily.parquet",
        "forecasts.parquet",
        "purchase_order_lines.parquet",
        "catalog_changes.parquet",
    }

    catalogue = tables["catalogue.parquet"]
    assert catalogue.num_rows == 25
    assert {"asin", "launch_date", "discontinue_date", "base_price", "unit_cost"} <= set(
        catalogue.column_names
    )

    daily = tables["daily.parquet"]
    for column in (
        "date",
        "asin",
        "expected_demand",
        "demand",
        "ordered_units",
        "censored",
        "shipped_units",
        "glance_views",
        "price",
        "list_price",
        "promotion",
        "sellable_on_hand_units",
        "open_purchase_order_units",
    ):
        assert column in daily.column_names, column
    assert pc.all(pc.less_equal(daily["ordered_units"], daily["demand"])).as_py()
    censored = daily.filter(daily["censored"])
    assert censored.num_rows > 0
    assert pc.all(pc.less(censored["ordered_units"], censored["demand"])).as_py()

    sim = VendorSimulator(9, 25, START, END)
    assert daily.num_rows == int(sim.active.sum())
    assert pc.sum(daily["demand"]).as_py() == int(sim.demand.sum())

    forecasts = tables["forecasts.parquet"]
    assert forecasts.num_rows == int(sim.forecast_active.sum()) * 26
    first = forecasts.filter(pc.equal(forecasts["horizon_week"], 0))
    assert pc.all(pc.equal(first["start_date"], first["forecast_generation_date"])).as_py()
