"""The vendor's supply files: each bad row named by file, row and field while the good rows are kept; vendor SKUs
resolved to ASINs through the PO lines; missing inputs filled from the config and listed in defaults_used."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vendorcast.lake.planning_inputs import read_supply_files
from vendorcast.lake.storage import LakeStorage
from vendorcast.planning.inputs import InputProblem, apply_defaults, validate_supply_rows
from vendorcast.planning.settings import PlanningSettings

SKUS = {"SKU-KETTLE": "B0KETTLE01"}
STOCK_CSV = """asin,vendor_sku,on_hand_units,lead_time_weeks,lot_size,unit_cost
B0TOASTER1,,300,6,100,12.5
,SKU-KETTLE,40,abc,1,3
,SKU-KETTLE,40,2,1,3
,SKU-NOWHERE,5,2,1,3
B0MUG00001,,-4,2,1,3
B0SPATULA1,,,,,
"""


def test_an_input_problem_reads_as_file_row_field_and_what_to_fix() -> None:
    problem = InputProblem("inputs/supply/stock.csv", 7, "lead_time_weeks", "'abc' is not a number")
    assert str(problem) == "inputs/supply/stock.csv row 7: lead_time_weeks: 'abc' is not a number"


def test_bad_rows_are_named_and_good_rows_kept(tmp_path: Path) -> None:
    storage = LakeStorage.local(tmp_path)
    storage.write_bytes("inputs/supply/stock.csv", STOCK_CSV.encode())

    valid, problems = read_supply_files(storage, SKUS)

    assert [str(p) for p in problems] == [
        "inputs/supply/stock.csv row 2: lead_time_weeks: 'abc' is not a number",
        "inputs/supply/stock.csv row 4: vendor_sku: 'SKU-NOWHERE' is on no purchase-order line, so its ASIN is "
        "unknown; give the asin instead",
        "inputs/supply/stock.csv row 5: on_hand_units: '-4' must be at least 0",
    ]
    assert valid["asin"].tolist() == ["B0TOASTER1", "B0KETTLE01", "B0SPATULA1"]
    assert valid["row"].tolist() == [1, 3, 6]
    toaster = valid.iloc[0]
    assert (toaster["on_hand_units"], toaster["lead_time_weeks"], toaster["lot_size"]) == (300, 6, 100)


def test_parquet_files_are_read_and_other_files_reported(tmp_path: Path) -> None:
    storage = LakeStorage.local(tmp_path)
    table = pa.table({"asin": ["B0TOASTER1", "B0MUG00001"], "shortage_cost": [8.0, 0.0]})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    storage.write_bytes("inputs/supply/costs.parquet", sink.getvalue().to_pybytes())
    storage.write_bytes("inputs/supply/notes.txt", b"call the plant")

    valid, problems = read_supply_files(storage, {})

    assert valid["asin"].tolist() == ["B0TOASTER1"] and valid["shortage_cost"].tolist() == [8.0]
    assert [str(p) for p in problems] == [
        "inputs/supply/costs.parquet row 2: shortage_cost: 0.0 must be above 0",
        "inputs/supply/notes.txt row 0: file: not a .csv or .parquet file: left out",
    ]


def test_a_misspelt_column_is_reported_not_ignored() -> None:
    _, problems = validate_supply_rows(pd.DataFrame({"asin": ["B0TOASTER1"], "lead_time": ["3"]}), "f.csv", {})
    assert problems[0].field == "lead_time" and "unknown column" in problems[0].message


def test_missing_inputs_fall_back_to_the_config_and_say_so() -> None:
    settings = PlanningSettings(lead_time_weeks=3, lot_size=50, shortage_cost=7.0)
    valid, _ = validate_supply_rows(pd.DataFrame({
        "asin": ["B0TOASTER1"], "on_hand_units": ["300"], "lead_time_weeks": ["6"], "unit_cost": ["12.5"],
        "in_production_units": ["400"], "holding_cost_rate": ["0.3"], "lot_size": ["100"], "min_order_units": ["0"],
        "weekly_capacity_units": ["1000"], "shortage_cost": ["9"]}), "f.csv", {})
    asins = pd.DataFrame({"account": ["acme-us"] * 2, "marketplace_id": ["ATVPDKIKX0DER"] * 2,
                          "asin": ["B0TOASTER1", "B0MUG00001"], "vendor_sku": [None, "SKU-MUG"]})

    vendor, problems = apply_defaults(valid, asins, settings)

    assert problems == []
    toaster, mug = vendor.to_dict("records")
    assert toaster["defaults_used"] == "" and toaster["lead_time_weeks"] == 6 and toaster["lot_size"] == 100
    assert mug["defaults_used"] == ("on_hand_units,in_production_units,lead_time_weeks,lot_size,min_order_units,"
                                    "weekly_capacity_units,unit_cost,holding_cost_rate,shortage_cost")
    assert (mug["lead_time_weeks"], mug["lot_size"], mug["shortage_cost"]) == (3, 50, 7.0)
    assert mug["on_hand_units"] == 0 and pd.isna(mug["weekly_capacity_units"]) and mug["vendor_sku"] == "SKU-MUG"


def test_an_asin_given_twice_keeps_the_first_row_and_names_the_second() -> None:
    valid, _ = validate_supply_rows(pd.DataFrame({"asin": ["B0TOASTER1", "B0TOASTER1"],
                                                  "on_hand_units": ["1", "2"]}), "f.csv", {})
    asins = pd.DataFrame({"account": ["acme-us"], "marketplace_id": ["ATVPDKIKX0DER"], "asin": ["B0TOASTER1"],
                          "vendor_sku": [None]})
    vendor, problems = apply_defaults(valid, asins, PlanningSettings())
    assert vendor["on_hand_units"].tolist() == [1.0]
    assert [str(p) for p in problems] == ["f.csv row 2: asin: B0TOASTER1 is given again (f.csv row 1 is used); keep "
                                          "one row per ASIN"]
