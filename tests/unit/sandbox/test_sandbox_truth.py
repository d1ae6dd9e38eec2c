from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from vendorcast.cli import cli
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.truth import export_truth, purchase_order_items_table

START, END = date(2024, 1, 1), date(2024, 12, 31)
# The demo's vendor: 200 ASINs of seed 7, 104 weeks of history (plus 60 days of lead-in) before its today.
DEMO_TODAY = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
ITEM_COLUMNS = [
    ("purchase_order_number", pa.string()),
    ("item_sequence_number", pa.string()),
    ("purchase_order_state", pa.string()),
    ("order_date", pa.timestamp("us", tz="UTC")),
    ("delivery_window_start", pa.timestamp("us", tz="UTC")),
    ("delivery_window_end", pa.timestamp("us", tz="UTC")),
    ("ship_to", pa.string()),
    ("asin", pa.string()),
    ("vendor_sku", pa.string()),
    ("unit_of_measure", pa.string()),
    ("unit_size", pa.int64()),
    ("ordered_units", pa.int64()),
    ("accepted_units", pa.int64()),
    ("rejected_units", pa.int64()),
    ("received_units", pa.int64()),
    ("last_receive_date", pa.timestamp("us", tz="UTC")),
    ("net_cost", pa.float64()),
    ("list_price", pa.float64()),
    ("currency", pa.string()),
]


def demo_vendor(seed: int = 7) -> VendorSimulator:
    today = DEMO_TODAY.date()
    return VendorSimulator(seed, 200, today - timedelta(weeks=104, days=60), today + timedelta(days=14))


def test_export_writes_the_daily_truth_as_parquet(tmp_path):
    paths = export_truth(9, 25, START, END, tmp_path / "truth")
    tables = {p.name: pq.read_table(p) for p in paths}
    assert set(tables) == {
        "catalogue.parquet",
        "daily.parquet",
        "forecasts.parquet",
        "purchase_order_lines.parquet",
        "purchase_order_items.parquet",
        "catalog_changes.parquet",
    }
    items = tables["purchase_order_items.parquet"]
    assert [(f.name, f.type) for f in items.schema] == ITEM_COLUMNS
    assert items.num_rows > 0
    # As of midnight after the last day: POs of the last six months, none placed later.
    assert pc.max(items["order_date"]).as_py() < datetime(2025, 1, 1, tzinfo=UTC)
    assert pc.min(items["order_date"]).as_py() >= datetime(2025, 1, 1, tzinfo=UTC) - timedelta(days=183)

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


def otif(items: pa.Table) -> tuple[float, dict[str, float]]:
    """Account and per-ASIN OTIF of the closed lines: units received in full (received >= accepted) by the end
    of the delivery window, over ordered units."""
    closed = items.filter(pc.equal(items["purchase_order_state"], "Closed")).to_pylist()
    good: dict[str, int] = {}
    ordered: dict[str, int] = {}
    for row in closed:
        on_time = row["last_receive_date"] is not None and row["last_receive_date"] <= row["delivery_window_end"]
        in_full = row["accepted_units"] > 0 and row["received_units"] >= row["accepted_units"]
        good[row["asin"]] = good.get(row["asin"], 0) + (row["received_units"] if on_time and in_full else 0)
        ordered[row["asin"]] = ordered.get(row["asin"], 0) + row["ordered_units"]
    return sum(good.values()) / sum(ordered.values()), {a: good[a] / ordered[a] for a in ordered}


def test_otif_varies_across_asins_around_a_plausible_account_level():
    items = purchase_order_items_table(demo_vendor(), DEMO_TODAY)
    account, by_asin = otif(items)
    rates = np.array(list(by_asin.values()))
    assert 0.78 < account < 0.9, account
    assert len(rates) > 150
    assert rates.max() > 0.97 and np.quantile(rates, 0.75) > 0.85
    # A handful of clearly bad ASINs, not a uniform level.
    assert 3 <= (rates < 0.6).sum() <= 0.1 * len(rates)
    assert rates.std() > 0.05
    uom = set(pc.unique(items["unit_of_measure"]).to_pylist())
    assert uom == {"Cases", "Eaches"}
    eaches = items.filter(pc.equal(items["unit_of_measure"], "Eaches"))
    assert pc.all(pc.equal(eaches["unit_size"], 1)).as_py()


def test_the_po_items_are_the_same_for_a_seed_and_differ_for_another():
    first = purchase_order_items_table(demo_vendor(), DEMO_TODAY)
    assert first.equals(purchase_order_items_table(demo_vendor(), DEMO_TODAY))
    assert not first.equals(purchase_order_items_table(demo_vendor(8), DEMO_TODAY))


def test_po_items_as_of_an_earlier_moment_show_less_progress():
    sim = demo_vendor()
    now, earlier = DEMO_TODAY, DEMO_TODAY - timedelta(days=3)
    rows = purchase_order_items_table(sim, now).to_pylist()
    late = {(r["purchase_order_number"], r["item_sequence_number"]): r for r in rows}
    rank = {"New": 0, "Acknowledged": 1, "Closed": 2}
    changed = 0
    for row in purchase_order_items_table(sim, earlier).to_pylist():
        later = late.get((row["purchase_order_number"], row["item_sequence_number"]))
        if later is None:  # out of retention by now
            assert row["order_date"] < now - timedelta(days=183)
            continue
        assert rank[row["purchase_order_state"]] <= rank[later["purchase_order_state"]]
        assert row["received_units"] <= later["received_units"]
        changed += row != later
    assert changed > 0


def test_export_truth_cli_writes_the_po_items_as_of_the_given_moment(tmp_path):
    args = ["sandbox", "export-truth", "--seed", "9", "--asins", "10", "--start", "2024-01-01", "--end",
            "2024-06-30", "--output", str(tmp_path)]
    result = CliRunner().invoke(cli, [*args, "--as-of", "2024-06-01T12:00:00"])
    assert result.exit_code == 0, result.output
    items = pq.read_table(tmp_path / "purchase_order_items.parquet")
    assert pc.max(items["order_date"]).as_py() <= datetime(2024, 6, 1, 12, tzinfo=UTC)
    late = CliRunner().invoke(cli, [*args, "--as-of", "2024-07-02"])
    assert late.exit_code != 0 and "as_of must be a UTC moment" in late.output


def test_export_truth_refuses_a_moment_outside_the_simulation(tmp_path):
    with pytest.raises(ValueError, match="as_of must be a UTC moment"):
        export_truth(9, 5, START, END, tmp_path, datetime(2025, 2, 1, tzinfo=UTC))
