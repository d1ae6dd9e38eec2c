"""The figures of one vendor report, computed from the simulator's daily arrays: per period and ASIN (and
per period for the whole catalogue), restated as of the document's lastUpdatedDate. The served documents
and the expected rows are both rendered from these values, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from vendorcast.sandbox.report_rules import DISTRIBUTOR_VIEW, REPORT_PERIOD, SELLING_PROGRAM, periods_covering
from vendorcast.sandbox.restatements import (
    restate_margin,
    restate_money,
    restate_units,
    restatement_factor,
)
from vendorcast.sandbox.simulator import FORECAST_WEEKS, VendorSimulator
from vendorcast.vocabulary.report_catalogue import DistributorView, ReportPeriod, ReportType, SellingProgram

AGGREGATE_ROW = -1


@dataclass(frozen=True)
class RowValues:
    """Rows of a report: the ASIN (catalogue index, or AGGREGATE_ROW), the period, and named columns.

    A column missing from `columns` is not reported for this report's options; `present[name]` marks the
    rows that carry an optional column (Amazon leaves a metric out when it is undefined, e.g. a fill rate
    without any receipts)."""

    asin_index: np.ndarray
    start: np.ndarray  # date ordinals
    end: np.ndarray
    columns: dict[str, np.ndarray]
    present: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.asin_index)


@dataclass(frozen=True)
class ReportValues:
    """A report's by-ASIN rows and, for the periodic types, its aggregate rows."""

    report_type: ReportType
    by_asin: RowValues
    aggregate: RowValues | None
    generation_date: date | None = None


class _Periods:
    """Sums and end-of-period snapshots of daily (days x ASINs) arrays over a list of periods."""

    def __init__(self, sim: VendorSimulator, periods: list[tuple[date, date]]) -> None:
        self.sim = sim
        n = sim.n_days
        first = np.array([sim.day_index(s) for s, _ in periods], dtype=np.int64)
        last = np.array([sim.day_index(e) for _, e in periods], dtype=np.int64)
        self.start = np.array([s.toordinal() for s, _ in periods], dtype=np.int64)
        self.end = np.array([e.toordinal() for _, e in periods], dtype=np.int64)
        self.lo = np.clip(first, 0, n)
        self.hi = np.clip(last + 1, 0, n)
        self.row0 = int(self.lo.min())
        self.row1 = max(int(self.hi.max()), self.row0)
        self.last_day = np.clip(last, 0, n - 1)
        self.first_day = first
        self.before_start = last < 0

    def window(self, daily: np.ndarray) -> np.ndarray:
        return daily[self.row0 : self.row1]

    def sums(self, window_values: np.ndarray) -> np.ndarray:
        """(periods x ASINs) sums of values given on the window's rows."""
        zero = np.zeros((1, *window_values.shape[1:]), dtype=window_values.dtype)
        cumulative = np.concatenate([zero, np.cumsum(window_values, axis=0)])
        return cumulative[self.hi - self.row0] - cumulative[self.lo - self.row0]

    def snapshot(self, daily: np.ndarray) -> np.ndarray:
        """Values on the last day of each period."""
        return np.where(self.before_start[:, None], 0, daily[self.last_day])

    def thinned_snapshot(self, daily: np.ndarray, share: np.ndarray, key: int, metric: int) -> np.ndarray:
        rows = [self.sim.thin(daily[d : d + 1], int(d), share, key, metric)[0] for d in self.last_day]
        return np.where(self.before_start[:, None], 0, np.array(rows))

    def active(self, included: np.ndarray) -> np.ndarray:
        """Whether each ASIN is sold on at least one day of each period (and belongs to the slice)."""
        return (self.sums(self.window(self.sim.active).astype(np.int64)) > 0) & included


def _options(options: dict[str, str]) -> tuple[ReportPeriod | None, str | None, str | None]:
    period = options.get(REPORT_PERIOD)
    return (
        ReportPeriod(period) if period else None,
        options.get(DISTRIBUTOR_VIEW),
        options.get(SELLING_PROGRAM),
    )


def _rows(mask: np.ndarray, periods: _Periods) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Period-major, then catalogue (ASIN) order, as Amazon lists by-ASIN rows."""
    p, a = np.nonzero(mask)
    return p, a, periods.start[p], periods.end[p]


def _aggregate_sum(values: np.ndarray, p: np.ndarray, n_periods: int) -> np.ndarray:
    out = np.zeros(n_periods, dtype=values.dtype)
    np.add.at(out, p, values)
    return out


def _ratio(numerator: np.ndarray, denominator: np.ndarray, digits: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(rounded ratio, defined) where the denominator is positive."""
    defined = denominator > 0
    value = np.divide(numerator, denominator, out=np.zeros(np.shape(numerator)), where=defined)
    return np.round(value, digits) + 0.0, defined


def _aggregate_rows(
    periods: _Periods, columns: dict[str, np.ndarray], present: dict[str, np.ndarray] | None = None
) -> RowValues:
    count = len(periods.start)
    return RowValues(np.full(count, AGGREGATE_ROW), periods.start, periods.end, columns, present or {})


def _sales(
    sim: VendorSimulator, periods: _Periods, view: str | None, program: str | None, last_updated: date
) -> ReportValues:
    share, included = sim.slice_shares(view, program)
    key = sim.slice_key(view, program)
    w0 = periods.row0
    ordered = sim.thin(periods.window(sim.ordered_units), w0, share, key, 1)
    shipped = sim.thin(periods.window(sim.shipped_units), w0, share, key, 2)
    returns = sim.thin(periods.window(sim.customer_returns), w0, share, key, 3)
    price = periods.window(sim.price)
    net_shipped = shipped - returns
    p, a, start, end = _rows(periods.active(included), periods)
    factor = restatement_factor(sim.seed, a, start, end, last_updated)

    def units(window_values: np.ndarray) -> np.ndarray:
        return restate_units(periods.sums(window_values)[p, a], factor)

    def money(window_values: np.ndarray) -> np.ndarray:
        return restate_money(periods.sums(window_values)[p, a], factor)

    columns: dict[str, np.ndarray] = {}
    if program != SellingProgram.FRESH:
        columns["customer_returns"] = units(returns)
    if view != DistributorView.SOURCING:
        columns["ordered_units"] = units(ordered)
        columns["ordered_revenue"] = money(ordered * price)
    columns["shipped_units"] = units(shipped)
    columns["shipped_revenue"] = money(net_shipped * price)
    columns["shipped_cogs"] = money(net_shipped * sim.unit_cost)
    n_periods = len(periods.start)
    aggregate = {
        name: (
            np.round(_aggregate_sum(values, p, n_periods), 2) + 0.0
            if values.dtype.kind == "f"
            else _aggregate_sum(values, p, n_periods)
        )
        for name, values in columns.items()
    }
    return ReportValues(
        ReportType.SALES, RowValues(a, start, end, columns), _aggregate_rows(periods, aggregate)
    )


def _traffic(sim: VendorSimulator, periods: _Periods, last_updated: date) -> ReportValues:
    p, a, start, end = _rows(periods.active(np.ones(sim.n_asins, dtype=bool)), periods)
    factor = restatement_factor(sim.seed, a, start, end, last_updated)
    views = restate_units(periods.sums(periods.window(sim.glance_views))[p, a], factor)
    aggregate = {"glance_views": _aggregate_sum(views, p, len(periods.start))}
    return ReportValues(
        ReportType.TRAFFIC,
        RowValues(a, start, end, {"glance_views": views}),
        _aggregate_rows(periods, aggregate),
    )


def _margin(sim: VendorSimulator, periods: _Periods, last_updated: date) -> ReportValues:
    mask = periods.active(np.ones(sim.n_asins, dtype=bool))
    p, a, start, end = _rows(mask, periods)
    revenue = periods.sums(periods.window(sim.shipped_revenue))
    cogs = periods.sums(periods.window(sim.shipped_cogs))
    coop = periods.sums(periods.window(sim.coop))
    margin, _ = _ratio(revenue - cogs - coop, revenue)
    factor = restatement_factor(sim.seed, a, start, end, last_updated)
    by_asin = restate_margin(margin[p, a], factor)
    total = (revenue * mask).sum(axis=1)
    total_margin, _ = _ratio(((revenue - cogs - coop) * mask).sum(axis=1), total)
    aggregate_factor = restatement_factor(sim.seed, AGGREGATE_ROW, periods.start, periods.end, last_updated)
    aggregate = {"net_pure_product_margin": restate_margin(total_margin, aggregate_factor)}
    return ReportValues(
        ReportType.NET_PURE_PRODUCT_MARGIN,
        RowValues(a, start, end, {"net_pure_product_margin": by_asin}),
        _aggregate_rows(periods, aggregate),
    )


def _inventory(
    sim: VendorSimulator, periods: _Periods, view: str | None, program: str | None
) -> ReportValues:
    """Inventory positions and supply rates; Amazon does not restate them (they are snapshots)."""
    share, included = sim.slice_shares(view, program)
    key = sim.slice_key(view, program)
    mask = periods.active(included)
    p, a, start, end = _rows(mask, periods)
    w = periods.window
    cost = sim.unit_cost

    net_received = periods.sums(sim.thin(w(sim.received_units - sim.rtv_units), periods.row0, share, key, 4))
    snapshots = {
        "open_purchase_order_units": periods.thinned_snapshot(sim.open_po_units, share, key, 5),
        "unfilled_customer_ordered_units": periods.thinned_snapshot(sim.unfilled_units, share, key, 6),
        "sellable_on_hand_inventory_units": periods.thinned_snapshot(sim.sellable_on_hand, share, key, 7),
        "unsellable_on_hand_inventory_units": periods.thinned_snapshot(sim.unsellable_on_hand, share, key, 8),
        "aged_90_plus_days_sellable_inventory_units": periods.thinned_snapshot(
            sim.aged_90_plus_units, share, key, 9
        ),
        "unhealthy_inventory_units": periods.thinned_snapshot(sim.unhealthy_units, share, key, 10),
    }
    # Supply rates describe the whole ASIN, whichever slice is asked for.
    views = periods.sums(w(sim.glance_views).astype(np.float64))
    oos_views = periods.sums(w(sim.glance_views * sim.oos_fraction))
    active_days = periods.sums(w(sim.active).astype(np.float64))
    oos_days = periods.sums(w(sim.oos_fraction))
    received = periods.sums(w(sim.received_units)).astype(np.float64)
    confirmed_due = periods.sums(w(sim.confirmed_due_units))
    requested = periods.sums(w(sim.requested_units))
    confirmed = periods.sums(w(sim.confirmed_units))
    lead_days = periods.sums(w(sim.lead_day_units))
    sold = periods.sums(w(sim.shipped_units - sim.customer_returns))
    opening_day = periods.first_day - 1
    opening = np.where(
        (opening_day >= 0)[:, None],
        sim.sellable_on_hand[np.clip(opening_day, 0, sim.n_days - 1)],
        np.where((opening_day == -1)[:, None], sim.initial_on_hand, 0),
    )

    rate_parts = {
        "procurable_product_out_of_stock_rate": (oos_views, views),
        "uft": (active_days - oos_days, active_days),
        "receive_fill_rate": (received, confirmed_due),
        "vendor_confirmation_rate": (confirmed, requested),
        "average_vendor_lead_time_days": (lead_days, received),
        "sell_through_rate": (sold, opening + received),
    }
    n_periods = len(periods.start)
    columns: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    aggregate: dict[str, np.ndarray] = {}
    aggregate_present: dict[str, np.ndarray] = {}
    for name, (numerator, denominator) in rate_parts.items():
        value, defined = _ratio(numerator, denominator)
        columns[name], present[name] = value[p, a], defined[p, a]
        aggregate[name], aggregate_present[name] = _ratio(
            (numerator * mask).sum(axis=1), (denominator * mask).sum(axis=1)
        )
    units = {"net_received_inventory_units": net_received, **snapshots}
    for name, values in units.items():
        columns[name] = values[p, a].astype(np.int64)
    for units_name, cost_name in _INVENTORY_COSTS.items():
        columns[cost_name] = np.round(columns[units_name] * cost[a], 2) + 0.0
    for name in [*units, *_INVENTORY_COSTS.values()]:
        summed = _aggregate_sum(columns[name], p, n_periods)
        aggregate[name] = np.round(summed, 2) + 0.0 if summed.dtype.kind == "f" else summed
    return ReportValues(
        ReportType.INVENTORY,
        RowValues(a, start, end, columns, present),
        _aggregate_rows(periods, aggregate, aggregate_present),
    )


_INVENTORY_COSTS = {
    "net_received_inventory_units": "net_received_inventory_cost",
    "sellable_on_hand_inventory_units": "sellable_on_hand_inventory_cost",
    "unsellable_on_hand_inventory_units": "unsellable_on_hand_inventory_cost",
    "aged_90_plus_days_sellable_inventory_units": "aged_90_plus_days_sellable_inventory_cost",
    "unhealthy_inventory_units": "unhealthy_inventory_cost",
}


def _forecast(sim: VendorSimulator, program: str | None, last_updated: date) -> ReportValues:
    """Amazon's latest forecast as of `last_updated`: generated on the latest Sunday, 26 weekly buckets."""
    if last_updated > sim.end:
        raise ValueError(f"the simulation ends on {sim.end}; it has no forecast generated by {last_updated}")
    k = sim.generation_index(last_updated)
    empty = RowValues(
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        {name: np.zeros(0) for name in _FORECAST_COLUMNS},
    )
    if k is None:
        return ReportValues(ReportType.FORECASTING, empty, None, None)
    generated = sim.generation_dates[k]
    share, included = sim.slice_shares(None, program)
    asins = np.nonzero(sim.forecast_active[k] & included)[0]
    weeks = np.arange(FORECAST_WEEKS)
    a = np.repeat(asins, FORECAST_WEEKS)
    h = np.tile(weeks, len(asins))
    start = generated.toordinal() + 7 * h
    columns = {
        "mean_forecast_units": sim.forecast_mean[k, h, a],
        "p70_forecast_units": sim.forecast_p70[k, h, a],
        "p80_forecast_units": sim.forecast_p80[k, h, a],
        "p90_forecast_units": sim.forecast_p90[k, h, a],
    }
    if not np.all(share == 1.0):
        columns = {name: np.round(values * share[a], 2) + 0.0 for name, values in columns.items()}
    return ReportValues(ReportType.FORECASTING, RowValues(a, start, start + 6, columns), None, generated)


_FORECAST_COLUMNS = ("mean_forecast_units", "p70_forecast_units", "p80_forecast_units", "p90_forecast_units")


def compute_report_values(
    sim: VendorSimulator,
    report_type: str,
    report_options: dict[str, str],
    start: date | None,
    end: date | None,
    last_updated: date,
) -> ReportValues:
    """The values of one report for the given (already validated) options and window (the window is
    ignored for GET_VENDOR_FORECASTING_REPORT, which serves the forecast current on `last_updated`)."""
    report_type = ReportType(report_type)
    period, view, program = _options(report_options)
    if report_type == ReportType.FORECASTING:
        return _forecast(sim, program, last_updated)
    if period is None:
        raise ValueError(f"{report_type} needs reportOptions.{REPORT_PERIOD}")
    if start is None or end is None:
        raise ValueError(f"{report_type} needs a start and an end date")
    periods = _Periods(sim, periods_covering(start, end, period))
    match report_type:
        case ReportType.SALES:
            return _sales(sim, periods, view, program, last_updated)
        case ReportType.TRAFFIC:
            return _traffic(sim, periods, last_updated)
        case ReportType.INVENTORY:
            return _inventory(sim, periods, view, program)
        case ReportType.NET_PURE_PRODUCT_MARGIN:
            return _margin(sim, periods, last_updated)
    raise ValueError(f"the sandbox does not serve {report_type}")
