"""A plan read from a lake and made end to end: the inputs the lake holds (the forecast run's selected rows, PO
lines, Amazon's position, the vendor's file with a bad row), and the three tables with their documented columns,
quantiles that never cross, one supply-plan row per ASIN and week, one advice row per open PO line."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.planning.conftest import ORIGIN, RUN_ID
from vendorcast.lake.planning_inputs import MissingPlanningInput, read_planning_inputs
from vendorcast.lake.storage import LakeStorage
from vendorcast.planning.plan import PO_ADVICE_COLUMNS, PO_FORECAST_COLUMNS, SUPPLY_PLAN_COLUMNS, plan_supply
from vendorcast.planning.settings import PlanningSettings

SETTINGS = PlanningSettings(horizon_weeks=8, lead_time_weeks=3)


def test_the_lake_gives_the_run_the_lines_amazon_and_the_vendor(planned_lake: LakeStorage) -> None:
    inputs = read_planning_inputs(planned_lake, SETTINGS)

    assert (inputs.origin, inputs.run_id) == (ORIGIN, RUN_ID)
    assert inputs.sell_through["week_start"].min() == ORIGIN and len(inputs.sell_through) > 0
    assert inputs.po_lines["is_open"].any() and (inputs.po_lines["order_date"].dt.date < ORIGIN).all()
    position = inputs.amazon_position
    assert (position["amazon_lead_time_weeks"] >= 1).all() and (position["case_pack"] >= 1).all()
    # One revision elasticity for every ASIN, learned from the snapshots of Amazon's forecast and the sales.
    elasticity = position["amazon_revision_elasticity"]
    assert elasticity.nunique() == 1 and 0 < elasticity.iloc[0] < 1
    assert position["amazon_open_po_units"].sum() == inputs.po_lines.loc[inputs.po_lines["is_open"],
                                                                         "units_to_deliver"].sum()
    assert (inputs.vendor["defaults_used"].str.contains("lead_time_weeks")).all()
    assert inputs.problems == []


def test_no_forecast_run_is_a_clear_error(planned_lake: LakeStorage) -> None:
    with pytest.raises(MissingPlanningInput, match="no SUCCEEDED forecast run for origin 2024-01-07"):
        read_planning_inputs(planned_lake, SETTINGS, origin=ORIGIN.replace(year=2024, month=1, day=7))


def test_the_plan_has_the_three_tables_and_plans_around_a_bad_row(planned_lake: LakeStorage) -> None:
    inputs = read_planning_inputs(planned_lake, SETTINGS)
    first, second = sorted(inputs.vendor["asin"])[:2]
    planned_lake.write_bytes("inputs/supply/stock.csv", (
        "asin,on_hand_units,in_production_units,lead_time_weeks,lot_size\n"
        f"{first},120,60,2,50\n"
        f"{second},lots,0,2,50\n").encode())

    inputs = read_planning_inputs(planned_lake, SETTINGS)
    result = plan_supply(inputs, SETTINGS)

    assert [str(p) for p in result.problems] == ["inputs/supply/stock.csv row 2: on_hand_units: 'lots' is not a number"]
    plan, forecast, advice = result.supply_plan, result.po_forecast, result.po_advice
    assert list(plan.columns) == list(SUPPLY_PLAN_COLUMNS) and list(forecast.columns) == list(PO_FORECAST_COLUMNS)
    assert list(advice.columns) == list(PO_ADVICE_COLUMNS)
    asins = set(inputs.vendor["asin"])
    assert set(plan["asin"]) == asins and len(plan) == len(asins) * SETTINGS.horizon_weeks
    quantiles = forecast[["p10", "p50", "p70", "p80", "p90"]].to_numpy()
    assert (quantiles >= 0).all() and (np.diff(quantiles, axis=1) >= 0).all()
    given = plan[(plan["asin"] == first) & (plan["horizon"] == 1)].iloc[0]
    assert given["defaults_used"] == "min_order_units,weekly_capacity_units,unit_cost,holding_cost_rate,shortage_cost"
    assert given["lead_time_weeks"] == 2 and given["start_units"] % 50 == 0
    assert "120 on hand, 60 in production" in given["reason"]
    defaulted = plan[(plan["asin"] == second) & (plan["horizon"] == 1)].iloc[0]
    assert defaulted["lead_time_weeks"] == 3 and "on_hand_units" in defaulted["defaults_used"]
    open_lines = inputs.po_lines[inputs.po_lines["is_open"]]
    assert len(advice) == len(open_lines)
    assert (advice["confirm_units"] <= advice["ordered_units"]).all()
    assert (advice["shortfall_units"] == advice["ordered_units"] - advice["confirm_units"]).all()
