"""What a supply plan reads from a lake (a local folder or the bucket): the selected forecast rows of the latest
SUCCEEDED forecast run of an origin, the purchase-order lines as v_purchase_order_lines judges them, Amazon's
position per ASIN (sellable on hand, open PO units, lead time learned from receipts, case pack), and the vendor's own
files under inputs/supply/, validated (vendorcast.planning.inputs)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vendorcast.lake.query import LocalLake
from vendorcast.lake.storage import LakeStorage
from vendorcast.planning.inputs import (
    AMAZON_FORECAST_COLUMNS,
    AMAZON_POSITION_COLUMNS,
    PO_LINE_COLUMNS,
    SELL_THROUGH_COLUMNS,
    InputProblem,
    PlanningInputs,
    apply_defaults,
    validate_supply_rows,
)
from vendorcast.planning.sell_in import learn_cover_weeks, learn_revision_elasticity
from vendorcast.planning.settings import PlanningSettings
from vendorcast.resources import SUPPLY_INPUTS_PREFIX

# Weeks of history Amazon's lead time, cover and forecast revisions are learned from.
HISTORY_WEEKS = 26
SERIES = ["account", "marketplace_id", "asin"]


class MissingPlanningInput(ValueError):
    """The lake holds nothing to plan from yet; the message says what to run first."""


_RUN_SQL = ("SELECT run_id, forecast_origin FROM forecast_runs WHERE status = 'SUCCEEDED' "
            "AND (CAST(? AS DATE) IS NULL OR forecast_origin = CAST(? AS DATE)) "
            "AND (CAST(? AS VARCHAR) IS NULL OR run_id = CAST(? AS VARCHAR)) "
            "ORDER BY forecast_origin DESC, started_at DESC, run_id DESC LIMIT 1")
_SELL_THROUGH_SQL = (f"SELECT {', '.join(SELL_THROUGH_COLUMNS)} FROM forecast "
                     "WHERE selected AND run_id = ? AND forecast_origin = ? ORDER BY account, marketplace_id, asin, "
                     "week_start")
_PO_LINES_SQL = """
SELECT l.account, l.marketplace_id, l.purchase_order_number, l.item_sequence_number, l.asin, l.vendor_sku,
       l.ship_to, l.order_date, coalesce(i.delivery_window_start, p.ship_window_start) AS window_start,
       l.due_at AS window_end, coalesce(i.unit_size, 1) AS unit_size, l.confirmation_status, l.ordered_units,
       l.accepted_units, l.received_units, l.units_to_deliver, l.is_open, l.lead_time_days, l.last_receive_date
FROM v_purchase_order_lines AS l
JOIN purchase_order_items AS i
    ON i.account = l.account AND i.marketplace_id = l.marketplace_id
    AND i.purchase_order_number = l.purchase_order_number AND i.item_sequence_number = l.item_sequence_number
LEFT JOIN purchase_orders AS p
    ON p.account = l.account AND p.marketplace_id = l.marketplace_id
    AND p.purchase_order_number = l.purchase_order_number
WHERE l.order_date < CAST(? AS TIMESTAMP)
ORDER BY l.account, l.marketplace_id, l.order_date, l.purchase_order_number, l.item_sequence_number
"""
# Amazon's sellable on hand and open PO units at the end of each week before the origin, back to a date (RETAIL,
# MANUFACTURING view preferred).
_POSITIONS_SQL = """
SELECT account, marketplace_id, asin, start_date AS week_start, sellable_on_hand_inventory_units AS on_hand,
       open_purchase_order_units AS open_po_units
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY account, marketplace_id, asin, start_date
        ORDER BY CASE WHEN distributor_view = 'MANUFACTURING' THEN 0 ELSE 1 END) AS preferred
    FROM vendor_inventory
    WHERE report_period = 'WEEK' AND selling_program = 'RETAIL' AND start_date < ? AND start_date >= ?
)
WHERE preferred = 1
"""
# Amazon's retail forecast snapshots generated before the origin, back to a date.
_SNAPSHOTS_SQL = """
SELECT account, marketplace_id, asin, forecast_generation_date AS generated_on, target_week_start AS week_start,
       mean_forecast_units AS mean
FROM amazon_forecast
WHERE selling_program = 'RETAIL' AND forecast_generation_date < ? AND forecast_generation_date >= ?
"""


# Weekly sell-through before the origin, back to a date: the surprises Amazon's forecast revisions are read against.
_SALES_SQL = """
SELECT account, marketplace_id, asin, week_start, units, censored
FROM demand_weekly
WHERE week_start < ? AND week_start >= ?
"""


def _run(lake: LocalLake, origin: date | None, run_id: str | None) -> tuple[str, date]:
    found = lake.connection.execute(_RUN_SQL, [origin, origin, run_id, run_id]).fetchall()
    if not found:
        wanted = " and ".join(filter(None, [origin and f"origin {origin}", run_id and f"run {run_id}"]))
        raise MissingPlanningInput(f"no SUCCEEDED forecast run{' for ' + wanted if wanted else ''} in the lake: "
                                   "run the forecast workflow first (vendorcast forecast start)")
    return found[0][0], found[0][1]


def _as_of_origin(lines: pd.DataFrame, origin: date) -> pd.DataFrame:
    """The lines as they stood at the origin when the lake knows later reads: a line received on or after the origin
    was still open then, with all its expected units to come (the accepted units, else the ordered ones)."""
    later = (pd.to_datetime(lines["last_receive_date"], utc=True) >= pd.Timestamp(origin, tz="UTC")).to_numpy()
    expected = lines["accepted_units"].fillna(lines["ordered_units"]).astype(float)
    return lines.assign(is_open=lines["is_open"].astype(bool) | (later & (expected > 0)),
                        units_to_deliver=np.where(later, expected, lines["units_to_deliver"].astype(float)),
                        lead_time_days=lines["lead_time_days"].where(~later))


def _weekly_orders(lines: pd.DataFrame) -> pd.DataFrame:
    """PO units per account, marketplace, ASIN and order week (the Sunday on or before the order date)."""
    day = pd.to_datetime(lines["order_date"], utc=True).dt.tz_localize(None).dt.normalize()
    week = day - pd.to_timedelta((day.dt.dayofweek + 1) % 7, unit="D")
    return (lines.assign(week_start=week).groupby([*SERIES, "week_start"], as_index=False)["ordered_units"].sum())


def _amazon_position(lines: pd.DataFrame, positions: pd.DataFrame, snapshots: pd.DataFrame, sales: pd.DataFrame
                     ) -> pd.DataFrame:
    latest = positions.sort_values("week_start").drop_duplicates(SERIES, keep="last").set_index(SERIES)
    on_hand = latest["on_hand"].rename("amazon_on_hand_units")
    learned = (lines.dropna(subset=["lead_time_days"]).groupby(SERIES)["lead_time_days"].median()
               .div(7).round().clip(lower=1).rename("amazon_lead_time_weeks"))
    open_units = (lines[lines["is_open"]].groupby(SERIES)["units_to_deliver"].sum().astype(float)
                  .rename("amazon_open_po_units"))
    case_pack = lines.groupby(SERIES)["unit_size"].last().rename("case_pack")
    orders = _weekly_orders(lines).merge(case_pack.reset_index(), on=SERIES)
    cover = learn_cover_weeks(orders, positions, snapshots).set_index(SERIES)["cover_weeks"]
    frame = pd.concat([on_hand, open_units, learned, case_pack, cover.rename("amazon_cover_weeks")], axis=1)
    frame = frame.rename_axis(SERIES).reset_index()
    # Without receipts, or too few orders to learn from, an ASIN is taken to behave as the others do.
    frame = frame.fillna({"amazon_on_hand_units": 0.0, "amazon_open_po_units": 0.0,
                          "amazon_lead_time_weeks": learned.median() if len(learned) else 1,
                          "case_pack": 1, "amazon_cover_weeks": cover.median() if len(cover) else np.nan})
    # Amazon's forecast revisions are learned over every ASIN at once (one elasticity: docs/planning.md).
    frame["amazon_revision_elasticity"] = learn_revision_elasticity(snapshots, sales)[0]
    frame["amazon_lead_time_weeks"] = frame["amazon_lead_time_weeks"].astype(int)
    frame["case_pack"] = frame["case_pack"].astype(int)
    return frame[list(AMAZON_POSITION_COLUMNS)]


def read_supply_files(storage: LakeStorage, sku_to_asin: dict[str, str]) -> tuple[pd.DataFrame, list[InputProblem]]:
    """Every CSV or Parquet file under inputs/supply/, validated; the valid rows of all files, and the problems."""
    frames: list[pd.DataFrame] = []
    problems: list[InputProblem] = []
    for stored in storage.list(SUPPLY_INPUTS_PREFIX):
        name = stored.key.lower()
        content = storage.read_bytes(stored.key) or b""
        try:
            if name.endswith(".csv"):
                rows = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
            elif name.endswith(".parquet"):
                rows = pq.read_table(pa.BufferReader(content)).to_pandas()
            else:
                problems.append(InputProblem(stored.key, 0, "file", "not a .csv or .parquet file: left out"))
                continue
        except (ValueError, pa.ArrowException, UnicodeDecodeError) as exc:
            problems.append(InputProblem(stored.key, 0, "file", f"cannot be read ({exc}): left out"))
            continue
        valid, found = validate_supply_rows(rows, stored.key, sku_to_asin)
        frames.append(valid)
        problems += found
    return (pd.concat(frames, ignore_index=True) if frames else validate_supply_rows(
        pd.DataFrame(columns=["asin"]), "", {})[0]), problems


def read_planning_inputs(storage: LakeStorage, settings: PlanningSettings, origin: date | None = None,
                         run_id: str | None = None) -> PlanningInputs:
    """The inputs of a plan from the forecast run `run_id`, else the latest SUCCEEDED run of `origin`, else the
    latest SUCCEEDED run of all."""
    with LocalLake.open(storage) as lake:
        run_id, origin = _run(lake, origin, run_id)
        sell_through = lake.connection.execute(_SELL_THROUGH_SQL, [run_id, origin]).df()
        lines = _as_of_origin(lake.connection.execute(_PO_LINES_SQL, [origin]).df(), origin)
        since = origin - timedelta(weeks=HISTORY_WEEKS)
        positions = lake.connection.execute(_POSITIONS_SQL, [origin, since]).df()
        snapshots = lake.connection.execute(_SNAPSHOTS_SQL, [origin, since]).df()
        sales = lake.connection.execute(_SALES_SQL, [origin, since]).df()
    recent = lines[pd.to_datetime(lines["order_date"], utc=True) >= pd.Timestamp(since, tz="UTC")]
    position = _amazon_position(recent, positions, snapshots, sales)
    newest = snapshots[snapshots["generated_on"] == snapshots.groupby(SERIES)["generated_on"].transform("max")]
    amazon_forecast = newest[pd.to_datetime(newest["week_start"]) >= pd.Timestamp(origin)]
    sell_through["week_start"] = pd.to_datetime(sell_through["week_start"]).dt.date
    sku_to_asin = dict(zip(lines["vendor_sku"], lines["asin"], strict=True)) if not lines.empty else {}
    valid, problems = read_supply_files(storage, {k: v for k, v in sku_to_asin.items() if k})
    skus = lines.dropna(subset=["vendor_sku"]).groupby(SERIES)["vendor_sku"].last() if not lines.empty else None
    # Planned: every ASIN forecast, and every ASIN Amazon ordered in the weeks the plan learns from.
    asins = pd.concat([sell_through[SERIES], recent[SERIES]]).drop_duplicates().sort_values(SERIES, ignore_index=True)
    if skus is not None:
        asins = asins.merge(skus.reset_index(), on=SERIES, how="left")
    else:
        asins["vendor_sku"] = None
    vendor, duplicates = apply_defaults(valid, asins, settings)
    return PlanningInputs(origin, run_id, sell_through[list(SELL_THROUGH_COLUMNS)], lines[list(PO_LINE_COLUMNS)],
                          position, vendor, problems + duplicates,
                          amazon_forecast[list(AMAZON_FORECAST_COLUMNS)].reset_index(drop=True))


__all__ = ["MissingPlanningInput", "PlanningInputs", "read_planning_inputs", "read_supply_files"]
