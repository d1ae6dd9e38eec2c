"""The plan of one origin: Amazon's orders forecast (po_forecast), what to start each week (supply_plan) and how much
of each open PO line to confirm (po_advice), from PlanningInputs; no I/O.

`plan_supply(inputs, settings) -> PlanResult`; `PlanResult.below_target(fill_rate_target)` lists the decision week's
rows whose expected fill falls below the target. Columns: docs/planning.md and the spec of the three tables."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from vendorcast.planning.decisions import (
    DEFAULT_CORRELATION,
    DEFAULT_SAMPLES,
    LEVELS,
    PlanningError,
    allocate_confirmations,
    critical_ratio,
    order_up_to,
    project_supply,
    sample_paths,
    start_quantity,
)
from vendorcast.planning.inputs import InputProblem, PlanningInputs
from vendorcast.planning.sell_in import (
    METHOD_BLEND,
    METHOD_DIRECT,
    METHOD_STRUCTURAL,
    METHODS,
    AmazonPosition,
    direct_paths,
    replay_amazon_orders,
    summarize,
)
from vendorcast.planning.settings import PlanningSettings

QUANTILE_COLUMNS = ("p10", "p50", "p70", "p80", "p90")
PO_FORECAST_COLUMNS = ("account", "marketplace_id", "asin", "week_start", "week_end", "horizon", "mean",
                       *QUANTILE_COLUMNS, "method")
SUPPLY_PLAN_COLUMNS = ("account", "marketplace_id", "asin", "vendor_sku", "week_start", "week_end", "horizon",
                       "start_units", "arrival_week_start", "lead_time_weeks", "order_up_to_units",
                       "inventory_position_units", "projected_on_hand_units", "expected_orders_units",
                       "expected_fill_rate", "critical_ratio", "unit_cost", "holding_cost_rate", "shortage_cost",
                       "defaults_used", "reason")
PO_ADVICE_COLUMNS = ("account", "marketplace_id", "purchase_order_number", "asin", "vendor_sku", "ship_to_party_id",
                     "order_date", "window_start", "window_end", "ordered_units", "confirm_units", "available_units",
                     "shortfall_units", "reason", "item_sequence_number")
SERIES_KEY = ["account", "marketplace_id", "asin"]


@dataclass
class PlanResult:
    po_forecast: pd.DataFrame  # PO_FORECAST_COLUMNS
    supply_plan: pd.DataFrame  # SUPPLY_PLAN_COLUMNS
    po_advice: pd.DataFrame  # PO_ADVICE_COLUMNS
    problems: list[InputProblem]

    def below_target(self, fill_rate_target: float) -> pd.DataFrame:
        """The decision week's supply_plan rows whose expected fill rate is below the target."""
        week = self.supply_plan[self.supply_plan["horizon"] == 1]
        return week[week["expected_fill_rate"] < fill_rate_target].reset_index(drop=True)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The three tables by name."""
        return {"po_forecast": self.po_forecast, "supply_plan": self.supply_plan, "po_advice": self.po_advice}

    def summary(self, fill_rate_target: float) -> list[str]:
        """A few lines for a planner: what to start this week, the ASINs below the fill target, what to confirm,
        and the input problems."""
        week = self.supply_plan[self.supply_plan["horizon"] == 1]
        starting = week[week["start_units"] > 0]
        lines = [f"{len(week)} ASINs planned: start {_fmt(starting['start_units'].sum())} units this week on "
                 f"{len(starting)} of them"]
        lines += [f"  {row.asin}: {row.reason}" for row in starting.nlargest(5, "start_units").itertuples()]
        below = self.below_target(fill_rate_target)
        lines.append(f"{len(below)} ASINs with an expected fill rate below {fill_rate_target:.0%} this week")
        advice = self.po_advice
        short = advice[advice["shortfall_units"] > 0]
        lines.append(f"{len(advice)} open PO lines: confirm {_fmt(advice['confirm_units'].sum())} of "
                     f"{_fmt(advice['ordered_units'].sum())} units ordered; {len(short)} lines cannot ship in full")
        defaulted = (week["defaults_used"] != "").sum()
        if defaulted:
            lines.append(f"{defaulted} ASINs planned on config defaults for some inputs (column defaults_used)")
        if self.problems:
            lines.append(f"{len(self.problems)} input problem(s):")
            lines += [f"  {problem}" for problem in self.problems]
        return lines


def _week_index(origin: date, moments: pd.Series) -> np.ndarray:
    """Plan week index (0 = the week starting on the origin) of each moment; earlier moments give 0."""
    days = (pd.to_datetime(moments, utc=True).dt.tz_localize(None).dt.normalize()
            - pd.Timestamp(origin)).dt.days.to_numpy()
    return np.maximum(np.floor_divide(days, 7), 0)


def _series_seed(key: tuple[str, str, str]) -> int:
    """A seed per series, so a plan is the same whatever else is planned with it."""
    return zlib.crc32("|".join(key).encode())


def _sell_through_matrix(rows: pd.DataFrame, weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """The series' forecast as (mean[weeks], quantiles[weeks, levels]); weeks beyond the forecast's horizon repeat
    its last week (the documented cap: a plan can look no further ahead than the demand forecast)."""
    rows = rows.sort_values("week_start")
    quantiles = rows[list(QUANTILE_COLUMNS)].to_numpy(dtype=float)
    mean = rows["mean"].to_numpy(dtype=float)
    if len(rows) < weeks:
        extra = weeks - len(rows)
        quantiles = np.vstack([quantiles, np.repeat(quantiles[-1:], extra, axis=0)])
        mean = np.concatenate([mean, np.repeat(mean[-1:], extra)])
    return mean[:weeks], quantiles[:weeks]


def _weekly_po_units(lines: pd.DataFrame, origin: date, weeks: int) -> np.ndarray:
    """Units Amazon ordered per order week over the `weeks` weeks before the origin (0 for weeks without a PO)."""
    if lines.empty:
        return np.zeros(0)
    index = (pd.to_datetime(lines["order_date"], utc=True).dt.tz_localize(None).dt.normalize()
             - pd.Timestamp(origin)).dt.days.to_numpy() // 7
    units = np.zeros(weeks)
    keep = (index < 0) & (index >= -weeks)
    np.add.at(units, index[keep] + weeks, lines["ordered_units"].to_numpy(dtype=float)[keep])
    first = int(index.min()) + weeks
    return units[max(first, 0):]


def _amazon_expected(amazon_forecast: pd.DataFrame | None, origin: date, fallback: np.ndarray) -> np.ndarray:
    """Amazon's own weekly forecast from the origin on (what it orders up to), its gaps and the weeks past it filled
    from `fallback` (our forecast's mean)."""
    expected = fallback.copy()
    if amazon_forecast is None or amazon_forecast.empty:
        return expected
    index = (pd.to_datetime(amazon_forecast["week_start"]) - pd.Timestamp(origin)).dt.days.to_numpy() // 7
    keep = (index >= 0) & (index < len(expected))
    expected[index[keep]] = amazon_forecast["mean"].to_numpy(dtype=float)[keep]
    return expected


def sell_in_paths(sell_through: pd.DataFrame | None, position: AmazonPosition, po_history: np.ndarray, weeks: int,
                  rng: np.random.Generator, amazon_forecast: pd.DataFrame | None = None, origin: date | None = None,
                  method: str | None = None, samples: int = DEFAULT_SAMPLES,
                  correlation: float = DEFAULT_CORRELATION) -> tuple[np.ndarray, str]:
    """Paths (samples x weeks) of Amazon's orders of one ASIN and the method that made them. `method`: structural
    (the replay on the sell-through forecast, Amazon ordering up to its own forecast when given, with `origin`;
    no forecast: no orders), direct (the draw from PO history), blend (half the paths of each); by default
    (None) the structural replay where there is a sell-through forecast, else the direct draw (the choice is
    measured in docs/planning.md, "Choosing the method")."""
    has_forecast = sell_through is not None and not sell_through.empty
    if method is None:
        method = METHOD_STRUCTURAL if has_forecast else METHOD_DIRECT
    if method not in METHODS:
        raise PlanningError(f"unknown sell-in method {method!r}; known: {', '.join(METHODS)}")
    parts = []
    if method in (METHOD_STRUCTURAL, METHOD_BLEND):
        count = samples if method == METHOD_STRUCTURAL else samples // 2
        if has_forecast:
            mean, quantiles = _sell_through_matrix(sell_through, weeks)
            demand = sample_paths(LEVELS, quantiles, count, rng, correlation)
            expected = _amazon_expected(amazon_forecast, origin, mean) if origin is not None else mean
            parts.append(replay_amazon_orders(demand, expected, position))
        else:
            parts.append(np.zeros((count, weeks)))
    if method in (METHOD_DIRECT, METHOD_BLEND):
        parts.append(direct_paths(po_history, weeks, samples - sum(len(p) for p in parts), rng))
    return np.vstack(parts), method


def _position(row: pd.Series | None, open_lines: pd.DataFrame, origin: date, weeks: int) -> AmazonPosition:
    due = np.zeros(weeks)
    if not open_lines.empty:
        np.add.at(due, np.minimum(_week_index(origin, open_lines["window_end"]), weeks - 1),
                  open_lines["units_to_deliver"].to_numpy(dtype=float))
    if row is None:
        return AmazonPosition(on_hand=0.0, lead_time_weeks=1, open_po_by_week=due)
    cover = row.get("amazon_cover_weeks")
    revision = row.get("amazon_revision_elasticity")
    return AmazonPosition(on_hand=float(row["amazon_on_hand_units"]),
                          lead_time_weeks=int(row["amazon_lead_time_weeks"]), case_pack=int(row["case_pack"]),
                          cover_weeks=None if cover is None or pd.isna(cover) else float(cover), open_po_by_week=due,
                          revision_elasticity=0.0 if revision is None or pd.isna(revision) else float(revision))


def _fmt(units: float) -> str:
    return f"{units:,.0f}"


@dataclass(frozen=True)
class VendorStock:
    """The vendor's finished goods at the origin: its count, less what Amazon received between the count's date and
    the origin (shipped from that stock since)."""

    units: float
    counted: float
    as_of: date | None
    shipped_since: float

    def describe(self) -> str:
        if not self.shipped_since:
            return f"{_fmt(self.units)} on hand"
        return (f"{_fmt(self.units)} on hand ({_fmt(self.counted)} counted on {self.as_of}, less "
                f"{_fmt(self.shipped_since)} Amazon received since)")


def vendor_stock(vendor: pd.Series, lines: pd.DataFrame, origin: date) -> VendorStock:
    """The vendor's on hand at the origin (see VendorStock)."""
    counted = float(vendor["on_hand_units"])
    as_of = vendor["on_hand_as_of"]
    if as_of is None or pd.isna(as_of) or pd.Timestamp(as_of) >= pd.Timestamp(origin) or lines.empty:
        return VendorStock(counted, counted, None, 0.0)
    received = pd.to_datetime(lines["last_receive_date"], utc=True).dt.tz_localize(None)
    since = (received >= pd.Timestamp(as_of)) & (received < pd.Timestamp(origin))
    shipped = float(lines.loc[since, "received_units"].fillna(0).sum())
    return VendorStock(max(counted - shipped, 0.0), counted, pd.Timestamp(as_of).date(), shipped)


def _reason(level: float, weeks: int, up_to: float, stock: VendorStock, in_production: float, committed: float,
            need: float, start: float, lot: float, minimum: float, capacity: float | None) -> str:
    position = f"{stock.describe()}, {_fmt(in_production)} in production"
    if committed:
        position += f", {_fmt(committed)} owed on open POs"
    text = f"Amazon's P{round(level * 100)} over the next {weeks} weeks is {_fmt(up_to)} units; {position}: "
    if start <= 0:
        if need > 0 and capacity is not None and capacity < minimum:
            return text + f"short {_fmt(need)}, but the weekly capacity {_fmt(capacity)} is below the minimum order"
        return text + "nothing to start"
    text += f"start {_fmt(start)}"
    if lot > 1:
        lots = round(start / lot)
        text += f" ({lots} lot{'s' if lots != 1 else ''} of {_fmt(lot)})"
    if capacity is not None and start < need - 1e-9:
        text += f", capped by the weekly capacity of {_fmt(capacity)} (short {_fmt(need - start)})"
    elif minimum and start >= minimum and need < minimum:
        text += f", the minimum order (needed {_fmt(need)})"
    return text


def _arrival_week(vendor: pd.Series, origin: date, lead: int, weeks: int) -> int:
    """The plan week in-production units arrive in: their ready date, else halfway through the lead time."""
    ready = vendor["in_production_ready"]
    if ready is None or (isinstance(ready, float) and math.isnan(ready)):
        return min(lead // 2, weeks - 1)
    return int(min(max((pd.Timestamp(ready) - pd.Timestamp(origin)).days // 7, 0), weeks - 1))


def _plan_series(key: tuple[str, str, str], vendor: pd.Series, stock: VendorStock, paths: np.ndarray,
                 committed: float, settings: PlanningSettings, origin: date) -> list[dict]:
    horizon = settings.horizon_weeks
    lead = int(vendor["lead_time_weeks"])
    review = settings.review_weeks
    ratio = critical_ratio(vendor["shortage_cost"], vendor["unit_cost"], vendor["holding_cost_rate"])
    lot, minimum = float(vendor["lot_size"]), float(vendor["min_order_units"])
    capacity = None if pd.isna(vendor["weekly_capacity_units"]) else float(vendor["weekly_capacity_units"])
    on_hand, in_production = stock.units, float(vendor["in_production_units"])
    span = paths.shape[1]
    arrivals = np.zeros(span + lead + 1)
    arrivals[_arrival_week(vendor, origin, lead, span)] += in_production
    expected = paths.mean(axis=0)
    position = on_hand + in_production - committed
    rows: list[dict] = []
    starts = np.zeros(horizon)
    levels: list[tuple[float, float, float]] = []
    for week in range(horizon):
        up_to = order_up_to(paths, lead, review, ratio, first=week)
        need = up_to - position
        start = start_quantity(need, lot, minimum, capacity)
        levels.append((up_to, position, need))
        starts[week] = start
        arrivals[week + lead] += start
        position += start - expected[week]
    # Units owed on open POs ship first; what stock cannot cover of them is the PO advice's shortfall, not stock.
    projection = project_supply(paths[:, :horizon], max(on_hand - committed, 0.0), arrivals[:horizon])
    for week in range(horizon):
        up_to, position_then, need = levels[week]
        week_start = origin + timedelta(weeks=week)
        if week == 0:
            reason = _reason(ratio, lead + review, up_to, stock, in_production, committed, need, starts[0], lot,
                             minimum, capacity)
        else:
            reason = (f"projection: start {_fmt(starts[week])} if Amazon orders as expected until then"
                      if starts[week] else "projection: nothing to start if Amazon orders as expected until then")
        rows.append({
            "account": key[0], "marketplace_id": key[1], "asin": key[2], "vendor_sku": vendor["vendor_sku"],
            "week_start": week_start, "week_end": week_start + timedelta(days=6), "horizon": week + 1,
            "start_units": starts[week], "arrival_week_start": week_start + timedelta(weeks=lead),
            "lead_time_weeks": lead, "order_up_to_units": up_to, "inventory_position_units": position_then,
            "projected_on_hand_units": float(projection.on_hand[week]), "expected_orders_units": float(expected[week]),
            "expected_fill_rate": float(projection.fill_rate[week]), "critical_ratio": ratio,
            "unit_cost": float(vendor["unit_cost"]), "holding_cost_rate": float(vendor["holding_cost_rate"]),
            "shortage_cost": float(vendor["shortage_cost"]), "defaults_used": vendor["defaults_used"],
            "reason": reason,
        })
    return rows


def _advise(key: tuple[str, str, str], vendor: pd.Series, stock: VendorStock, open_lines: pd.DataFrame,
            origin: date, weeks: int) -> list[dict]:
    """Confirmations for the ASIN's open lines from the vendor's stock by each line's window: on hand now, plus
    production that is ready by then (units started now arrive only after the lead time)."""
    if open_lines.empty:
        return []
    lead = int(vendor["lead_time_weeks"])
    supply = np.zeros(weeks)
    supply[0] = stock.units
    supply[_arrival_week(vendor, origin, lead, weeks)] += float(vendor["in_production_units"])
    supply_by_week = np.cumsum(supply)
    # Units received before the origin are in; a receipt on or after it (a past origin) had not happened yet.
    received_at = pd.to_datetime(open_lines["last_receive_date"], utc=True)
    received = np.where((received_at < pd.Timestamp(origin, tz="UTC")).to_numpy(),
                        open_lines["received_units"].fillna(0).to_numpy(dtype=float), 0.0)
    ordered = open_lines["ordered_units"].to_numpy(dtype=float)
    case = open_lines["unit_size"].fillna(1).to_numpy(dtype=float)
    due = _week_index(origin, open_lines["window_end"])
    confirm, available = allocate_confirmations(np.maximum(ordered - received, 0), due, case, supply_by_week)
    rows = []
    for i, line in enumerate(open_lines.to_dict("records")):
        confirmed = received[i] + confirm[i]
        short = ordered[i] - confirmed
        by = pd.Timestamp(line["window_end"]).date().isoformat()
        if short <= 0:
            reason = f"confirm all {_fmt(ordered[i])}: stock covers it by {by}"
        elif available[i] <= 0:
            reason = (f"confirm {_fmt(confirmed)} of {_fmt(ordered[i])}: no stock left for it by {by} "
                      f"({_fmt(supply_by_week[min(due[i], weeks - 1)])} by then, earlier windows first)")
        else:
            reason = f"confirm {_fmt(confirmed)} of {_fmt(ordered[i])}: {_fmt(available[i])} left for it by {by}"
            reason += f" (whole cases of {_fmt(case[i])})" if confirm[i] < available[i] else " after earlier windows"
        rows.append({
            "account": key[0], "marketplace_id": key[1], "purchase_order_number": line["purchase_order_number"],
            "asin": key[2], "vendor_sku": line["vendor_sku"], "ship_to_party_id": line["ship_to"],
            "order_date": pd.Timestamp(line["order_date"]).date(), "window_start": line["window_start"],
            "window_end": line["window_end"], "ordered_units": ordered[i], "confirm_units": confirmed,
            "available_units": float(available[i]), "shortfall_units": max(short, 0.0), "reason": reason,
            "item_sequence_number": line["item_sequence_number"],
        })
    return rows


class _Grouped:
    """The inputs split per series (account, marketplace, ASIN), once."""

    def __init__(self, inputs: PlanningInputs) -> None:
        def groups(frame: pd.DataFrame) -> dict[tuple, pd.DataFrame]:
            return dict(tuple(frame.groupby(SERIES_KEY))) if not frame.empty else {}

        lines = inputs.po_lines
        self.inputs = inputs
        self.empty_lines = lines.iloc[0:0]
        self.sell_through = groups(inputs.sell_through)
        self.lines = groups(lines)
        self.open_lines = groups(lines[lines["is_open"].astype(bool)] if not lines.empty else lines)
        self.amazon_forecast = groups(inputs.amazon_forecast)
        self.positions = {tuple(r[k] for k in SERIES_KEY): r for _, r in inputs.amazon_position.iterrows()}
        self.vendors = {tuple(r[k] for k in SERIES_KEY): r for _, r in inputs.vendor.iterrows()}

    def open(self, key: tuple) -> pd.DataFrame:
        return self.open_lines.get(key, self.empty_lines)

    def sell_in(self, key: tuple, weeks: int, method: str | None) -> tuple[np.ndarray, str]:
        origin = self.inputs.origin
        position = _position(self.positions.get(key), self.open(key), origin, weeks)
        history = _weekly_po_units(self.lines.get(key, self.empty_lines), origin, 52)
        return sell_in_paths(self.sell_through.get(key), position, history, weeks,
                             np.random.default_rng(_series_seed(key)), self.amazon_forecast.get(key), origin, method)


def forecast_sell_in(inputs: PlanningInputs, weeks: int, method: str | None = None
                     ) -> dict[tuple[str, str, str], tuple[np.ndarray, str]]:
    """Paths (samples x weeks) of Amazon's orders per series of inputs.vendor, and the method that made them
    (`method` as sell_in_paths takes it; None: each series' default)."""
    grouped = _Grouped(inputs)
    return {key: grouped.sell_in(key, weeks, method) for key in sorted(grouped.vendors)}


def _source(vendor: pd.Series) -> tuple[str, int]:
    """Where a vendor row's values came from: its file and row, or the config."""
    if "lead_time_weeks" in vendor["defaults_used"].split(","):
        return "config [planning]", 0
    return str(vendor.get("input_file") or "inputs/supply"), int(vendor.get("input_row") or 0)


def plan_supply(inputs: PlanningInputs, settings: PlanningSettings) -> PlanResult:
    """The three tables for every ASIN of inputs.vendor (every ASIN with a sell-through forecast or PO lines). An
    ASIN whose lead time plus review does not fit in the plan's weeks is left out with an InputProblem."""
    problems = list(inputs.problems)
    origin = inputs.origin
    grouped = _Grouped(inputs)
    po_forecast, supply_plan, po_advice = [], [], []
    for key in sorted(grouped.vendors):
        vendor = grouped.vendors[key]
        lead = int(vendor["lead_time_weeks"])
        if lead + settings.review_weeks > settings.horizon_weeks:
            file, row = _source(vendor)
            problems.append(InputProblem(
                file, row, "lead_time_weeks",
                f"{key[2]}: lead time {lead} + review {settings.review_weeks} weeks exceed the plan's "
                f"{settings.horizon_weeks} weeks (planning.horizon_weeks): not planned; raise horizon_weeks"))
            continue
        weeks = settings.horizon_weeks + lead + settings.review_weeks
        paths, method = grouped.sell_in(key, weeks, None)
        mean, quantiles = summarize(paths[:, :settings.horizon_weeks])
        for week in range(settings.horizon_weeks):
            week_start = origin + timedelta(weeks=week)
            po_forecast.append({"account": key[0], "marketplace_id": key[1], "asin": key[2], "week_start": week_start,
                                "week_end": week_start + timedelta(days=6), "horizon": week + 1,
                                "mean": float(mean[week]),
                                **{c: float(quantiles[week, i]) for i, c in enumerate(QUANTILE_COLUMNS)},
                                "method": method})
        opened = grouped.open(key)
        committed = float(opened["units_to_deliver"].sum()) if not opened.empty else 0.0
        stock = vendor_stock(vendor, grouped.lines.get(key, grouped.empty_lines), origin)
        supply_plan += _plan_series(key, vendor, stock, paths, committed, settings, origin)
        po_advice += _advise(key, vendor, stock, opened, origin, weeks)
    return PlanResult(pd.DataFrame(po_forecast, columns=list(PO_FORECAST_COLUMNS)),
                      pd.DataFrame(supply_plan, columns=list(SUPPLY_PLAN_COLUMNS)),
                      pd.DataFrame(po_advice, columns=list(PO_ADVICE_COLUMNS)), problems)


__all__ = ["PO_ADVICE_COLUMNS", "PO_FORECAST_COLUMNS", "SUPPLY_PLAN_COLUMNS", "PlanResult", "VendorStock",
           "forecast_sell_in", "plan_supply", "sell_in_paths", "vendor_stock"]
