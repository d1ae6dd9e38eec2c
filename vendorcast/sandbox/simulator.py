"""A seeded, deterministic simulator of one Vendor Central vendor: per ASIN and day, true demand, prices and
promotions, glance views, stock-censored sales, inventory and purchase orders, returns, margins, and
Amazon's own weekly forecast. Arrays are (days x ASINs); everything is reproducible from the seed.

Randomness is drawn in fixed blocks of days keyed by the block's position from `start`, so two simulators
with the same seed, catalogue size and start agree on every day they share, whatever their `end`.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import IntEnum

import numpy as np

from vendorcast.sandbox.amazon_forecast import FORECAST_WEEKS, AmazonKnowledge
from vendorcast.sandbox.marketplaces import marketplace
from vendorcast.sandbox.products import Catalogue, Product, build_catalogue
from vendorcast.sandbox.retail_calendar import event_mask, holiday_multiplier
from vendorcast.sandbox.supply import WINDOW_DAYS, PurchaseOrderLines, VendorSupply, window_offset_days
from vendorcast.vocabulary.report_catalogue import DistributorView, SellingProgram

CHUNK_DAYS = 64
# Amazon orders weekly (Mondays) up to this many weeks of its forecast, plus safety stock: the vendor's lead
# time (one to two weeks to the end of the delivery window) plus the week until the next order.
COVER_WEEKS = 3
SAFETY_FACTOR = 1.15
# Inventory beyond this many weeks of forecast demand is "unhealthy".
HEALTHY_WEEKS = 13
AGED_DAYS = 90
RETURN_DELAY_DAYS = 14
SELLABLE_RETURN_SHARE = 0.65
SHIP_NEXT_DAY_SHARE = 0.12
# No new purchase orders this close to a planned discontinuation (sell-off).
SELL_OFF_DAYS = 56


def amazon_order_amount(target: np.ndarray, on_hand: np.ndarray, open_po: np.ndarray, order_unit: np.ndarray,
                        eligible: np.ndarray) -> np.ndarray:
    """Amazon's weekly order per ASIN, in order units: what lifts its on hand plus open POs to `target` (see
    `VendorSimulator.order_target`), rounded up to whole order units; nothing for ASINs it does not order.
    Works on any shape that broadcasts over ASINs (a supply simulation steps several runs at once)."""
    need = np.where(eligible, target - (on_hand + open_po), 0.0)
    return np.where(need > 0, np.ceil(need / order_unit), 0).astype(np.int64)


class Stream(IntEnum):
    """Independent random streams (a stream's draws never shift another's)."""

    CATALOGUE = 1
    PARAMETERS = 2
    TRAFFIC = 3
    PRICES = 4
    PROMOTIONS = 5
    EVENT_DEALS = 6
    OPERATIONS = 7
    SLICES = 9
    CATALOG_CHANGES = 10
    SUPPLY = 11
    PURCHASE_ORDERS = 12
    SUPPLY_STRAIN = 13


class VendorSimulator:
    """One vendor's catalogue and daily retail history from `start` to `end` (inclusive).

    Daily arrays (days x ASINs, ASINs in catalogue order): active, list_price, price, discount, promotion,
    expected_demand, demand (unconstrained), glance_views, ordered_units (= min(demand, stock on hand)),
    censored, oos_fraction, shipped_units, unfilled_units, customer_returns, sellable_on_hand,
    unsellable_on_hand, open_po_units, received_units, rtv_units (returned to vendor), requested_units,
    confirmed_units, aged_90_plus_units, unhealthy_units, ordered_revenue, shipped_revenue, shipped_cogs,
    coop, supply_outage, supply_strain. Amazon's forecasts: forecast_mean/p70/p80/p90 (generations x 26 weeks x ASINs),
    generation_dates, forecast_active (generations x ASINs). Purchase order lines: purchase_orders.
    """

    def __init__(
        self,
        seed: int,
        n_asins: int,
        start: date,
        end: date,
        marketplace_id: str = "ATVPDKIKX0DER",
        currency: str | None = None,
    ) -> None:
        if n_asins < 1:
            raise ValueError(f"n_asins must be at least 1, got {n_asins}")
        if end < start:
            raise ValueError(f"the simulation must end on or after its start ({start}), got end {end}")
        self.seed = seed
        self.n_asins = n_asins
        self.start = start
        self.end = end
        self.marketplace_id = marketplace_id
        # The marketplace's currency (default) and country, whose retail calendar moves demand.
        self.currency = currency or marketplace(marketplace_id).currency
        self.country = marketplace(marketplace_id).country
        self.n_days = (end - start).days + 1
        # Demand expectations run past `end` so that forecasts generated near the end have 26 weeks ahead.
        self._n_ext = self.n_days + 7 * (FORECAST_WEEKS + 2) + CHUNK_DAYS
        self.catalogue: Catalogue = build_catalogue(self.rng(Stream.CATALOGUE), n_asins, start)
        self.products: tuple[Product, ...] = self.catalogue.products
        self.asins: list[str] = self.catalogue.asins
        self._slice_cache: dict[tuple[int, int], np.ndarray] = {}
        self._draw_parameters()
        self._build_calendar()
        self._build_prices()
        self._build_demand()
        self._build_forecasts()
        self._build_supply_outages()
        self._run_operations()
        self._derive_positions()

    # ------------------------------------------------------------------ randomness and axes
    def rng(self, stream: Stream, *keys: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, int(stream), *keys])

    @property
    def dates(self) -> np.ndarray:
        """The simulated days as datetime64[D]."""
        return np.datetime64(self.start, "D") + np.arange(self.n_days)

    def day_index(self, day: date) -> int:
        return (day - self.start).days

    def day(self, index: int) -> date:
        return self.start + timedelta(days=int(index))

    # ------------------------------------------------------------------ per-ASIN parameters
    def _draw_parameters(self) -> None:
        rng = self.rng(Stream.PARAMETERS)
        a = self.n_asins
        categories = [p.category for p in self.products]
        self.base_price = np.array([p.base_price for p in self.products])
        self.unit_cost = np.array([p.unit_cost for p in self.products])
        self.case_size = np.array([p.case_size for p in self.products], dtype=np.int64)
        self.ordered_in_eaches = np.array([p.ordered_in_eaches for p in self.products])
        self.base_traffic = np.exp(rng.normal(np.log(30.0), 1.2, a))
        self.conversion = rng.uniform(0.04, 0.16, a)
        self.elasticity = rng.uniform(-2.6, -0.8, a)
        # Monday..Sunday: shoppers browse most on Sunday and Monday, least on Friday.
        weekly = np.array([1.08, 1.04, 1.0, 0.96, 0.9, 0.95, 1.07])[:, None] * np.exp(
            rng.normal(0, 0.04, (7, a))
        )
        self.weekly_profile = weekly / weekly.mean(axis=0)
        self.peak_day = np.array([c.peak_day_of_year for c in categories]) + rng.normal(0, 12, a)
        self.seasonal_amplitude = np.array([c.seasonal_amplitude for c in categories]) * rng.uniform(
            0.7, 1.3, a
        )
        self.annual_growth = np.clip(rng.normal(0.05, 0.2, a), -0.5, 1.0)
        self.holiday_sensitivity = rng.uniform(0.5, 1.5, a)
        self.ramp_days = rng.uniform(14, 60, a)
        self.return_rate = np.array([c.return_rate for c in categories]) * rng.uniform(0.6, 1.4, a)
        self.sourcing_share = rng.uniform(0.75, 1.0, a)
        self.business_share = rng.uniform(0.02, 0.15, a)
        fresh = np.array([c.fresh for c in categories])
        self.fresh_share = np.where(fresh, rng.uniform(0.2, 0.5, a), 0.0)
        self.coop_rate = rng.uniform(0.01, 0.06, a)
        self.promo_propensity = rng.uniform(0.05, 0.3, a)
        # Uniform draws behind the vendor's reliability and whether Amazon allows backorders (supply.py).
        self.vendor_quality = rng.random(a)
        self.back_order_draw = rng.random(a)
        # How far Amazon's estimate of an ASIN's demand before it sees any sale is from the truth.
        self.amazon_prior_error = np.exp(rng.normal(0, 0.2, a))
        rng.uniform(2.0, 8.0, a)  # a retired draw, kept so that the draws after it keep their values
        self.vendor_lead_days = int(rng.integers(6, 14))

    # ------------------------------------------------------------------ calendar and demand levels
    def _build_calendar(self) -> None:
        e = self._n_ext
        t = np.arange(e)
        ordinals = self.start.toordinal() + t
        self._weekday_ext = (ordinals - 1) % 7  # Monday=0 (date.toordinal(1) is a Monday)
        days = np.datetime64(self.start, "D") + t
        day_of_year = (days - days.astype("datetime64[Y]")).astype(np.int64) + 1
        self.launch_index = np.array([(p.launch_date - self.start).days for p in self.products])
        self.discontinue_index = np.array(
            [(p.discontinue_date - self.start).days if p.discontinue_date else 10**7 for p in self.products]
        )
        since_launch = t[:, None] - self.launch_index[None, :]
        launched = since_launch >= 0
        ramp = np.where(launched, 1.0 - np.exp(-(since_launch + 1) / self.ramp_days), 0.0)
        seasonal = np.exp(
            self.seasonal_amplitude * np.cos(2 * np.pi * (day_of_year[:, None] - self.peak_day) / 365.25)
        )
        trend = (1.0 + self.annual_growth) ** (t[:, None] / 365.25)
        self._day_of_year_ext = day_of_year
        self._holidays_ext = holiday_multiplier(self.start, e, self.country)
        holiday_effect = 1.0 + self.holiday_sensitivity * (self._holidays_ext[:, None] - 1.0)
        # Expected glance views of a listed ASIN at its base price, before day-to-day noise.
        self._traffic_level_ext = (
            self.base_traffic
            * self.weekly_profile[self._weekday_ext]
            * seasonal
            * trend
            * holiday_effect
            * ramp
        )
        self._active_ext = launched & (t[:, None] < self.discontinue_index[None, :])
        self.active = self._active_ext[: self.n_days]

    def _build_prices(self) -> None:
        # Planned as far as Amazon's last forecast reaches: Amazon sets its prices and deals ahead.
        n, a = self._n_ext, self.n_asins
        cols = np.arange(a)
        levels = np.full((n, a), np.nan)
        levels[0] = self.base_price
        discount = np.zeros((n, a))
        for chunk in range(-(-n // CHUNK_DAYS)):
            first = chunk * CHUNK_DAYS
            rng = self.rng(Stream.PRICES, chunk)
            change = rng.random(a) < 0.12
            rows = first + rng.integers(0, CHUNK_DAYS, a)
            new_price = np.maximum(1.99, np.floor(self.base_price * np.exp(rng.normal(0, 0.07, a))) + 0.99)
            ok = change & (rows < n)
            levels[rows[ok], cols[ok]] = new_price[ok]

            rng = self.rng(Stream.PROMOTIONS, chunk)
            starts = rng.random(a) < self.promo_propensity
            begin = first + rng.integers(0, CHUNK_DAYS, a)
            length = rng.integers(3, 15, a)
            depth = rng.uniform(0.08, 0.3, a)
            for k in range(15):
                rows = begin + k
                ok = starts & (k < length) & (rows < n)
                discount[rows[ok], cols[ok]] = np.maximum(discount[rows[ok], cols[ok]], depth[ok])
        for year in range(self.start.year, self.day(n - 1).year + 1):
            rng = self.rng(Stream.EVENT_DEALS, year)
            for event in ("prime_day", "black_friday_cyber_monday"):
                joins = rng.random(a) < 0.4
                depth = rng.uniform(0.15, 0.35, a)
                mask = event_mask(self.start, n, year, event, self.country)
                if mask.any():
                    block = discount[mask][:, joins]
                    discount[np.ix_(mask, joins)] = np.maximum(block, depth[joins])
        filled = np.where(~np.isnan(levels), np.arange(n)[:, None], 0)
        np.maximum.accumulate(filled, axis=0, out=filled)
        discount = np.round(discount, 4)
        self._promotion_ext = discount > 0
        self._price_ext = np.round(levels[filled, cols] * (1.0 - discount), 2)
        days = self.n_days
        self.list_price = levels[filled, cols][:days]
        self.discount = discount[:days]
        self.promotion = self._promotion_ext[:days]
        self.price = self._price_ext[:days]

    def _build_demand(self) -> None:
        n, a = self.n_days, self.n_asins
        relative_price = self.price / self.base_price
        conversion = np.clip(self.conversion * relative_price**self.elasticity, 0.0, 0.6)
        # Deals are featured on Amazon's deal pages, so they bring traffic as well as conversion.
        traffic = self._traffic_level_ext[:n] * self.active * np.where(self.promotion, 1.35, 1.0)
        self.conversion_rate = conversion
        self.expected_demand = traffic * conversion
        self.glance_views = np.zeros((n, a), dtype=np.int64)
        self.demand = np.zeros((n, a), dtype=np.int64)
        for chunk in range(-(-n // CHUNK_DAYS)):
            first, last = chunk * CHUNK_DAYS, min(n, (chunk + 1) * CHUNK_DAYS)
            rows = last - first
            # One stream per draw kind: a block's first days get the same numbers however many of its
            # days this simulation uses.
            noise = self.rng(Stream.TRAFFIC, chunk, 0).gamma(8.0, 1.0 / 8.0, (rows, a))
            views = self.rng(Stream.TRAFFIC, chunk, 1).poisson(traffic[first:last] * noise)
            bought = self.rng(Stream.TRAFFIC, chunk, 2).binomial(views, conversion[first:last])
            self.glance_views[first:last] = views
            self.demand[first:last] = bought

    # ------------------------------------------------------------------ Amazon's forecast
    def _build_forecasts(self) -> None:
        weekday = self._weekday_ext[0]
        self.first_generation_index = int((6 - weekday) % 7)  # first Sunday on or after start
        generations = np.arange(self.first_generation_index, self.n_days, 7)
        self.generation_dates = [self.day(i) for i in generations]
        forecast = self.amazon_knowledge().forecast()
        self.forecast_mean = np.round(forecast.mean, 2)
        self.forecast_p70 = np.round(forecast.p70, 2)
        self.forecast_p80 = np.round(forecast.p80, 2)
        self.forecast_p90 = np.round(forecast.p90, 2)
        index = generations[:, None]
        self.forecast_active = (index >= self.launch_index) & (index < self.discontinue_index)

    def amazon_knowledge(self) -> AmazonKnowledge:
        """What Amazon's forecaster knows of this vendor (amazon_forecast.py): realised demand, its own prices and
        deals ahead, its calendar, the categories' seasonality; not the ASINs' hidden parameters."""
        categories = [p.category for p in self.products]
        planned = self.first_generation_index + 7 * (len(self.generation_dates) + FORECAST_WEEKS)
        sold_before_start = self.launch_index < 0
        return AmazonKnowledge(
            demand=self.demand,
            day_of_year=self._day_of_year_ext[:planned],
            holidays=self._holidays_ext[:planned],
            launch_index=self.launch_index,
            peak_day=np.array([c.peak_day_of_year for c in categories], dtype=float),
            seasonal_amplitude=np.array([c.seasonal_amplitude for c in categories]),
            base_price=self.base_price,
            price=self._price_ext[:planned],
            promotion=self._promotion_ext[:planned],
            active=self.active,
            # Sales before the simulated start tell Amazon an ASIN's demand up to a log-normal error of 0.2; a
            # launch's estimate errs by 0.5.
            prior_level=self.base_traffic
            * self.conversion
            * np.where(sold_before_start, self.amazon_prior_error, self.amazon_prior_error**2.5),
            sold_before_start=sold_before_start,
            generation_days=np.arange(self.first_generation_index, self.n_days, 7),
        )

    def generation_index(self, day: date) -> int | None:
        """Index of the latest forecast generated on or before `day` (None before the first one)."""
        offset = (day - self.start).days - self.first_generation_index
        if offset < 0:
            return None
        return min(offset // 7, len(self.generation_dates) - 1)

    def _generation_for_days(self) -> np.ndarray:
        offsets = np.arange(self.n_days) - self.first_generation_index
        return np.clip(offsets // 7, 0, max(len(self.generation_dates) - 1, 0))

    # ------------------------------------------------------------------ stock, orders and shipments
    def _build_supply_outages(self) -> None:
        """Weeks in which the vendor cannot supply an ASIN (it rejects Amazon's orders, or backorders them), and
        longer spells of strained supply (more partial confirmations, short and late shipments)."""
        self.supply_outage = self._episodes(Stream.SUPPLY, 0.04, 14, 42)
        self.supply_strain = self._episodes(Stream.SUPPLY_STRAIN, 0.06, 21, 63)

    def _episodes(self, stream: Stream, rate: float, shortest: int, longest: int) -> np.ndarray:
        """(days x ASINs) spells: each block of days starts one per ASIN with probability `rate`."""
        n, a = self.n_days, self.n_asins
        cols = np.arange(a)
        spells = np.zeros((n, a), dtype=bool)
        for chunk in range(-(-n // CHUNK_DAYS)):
            rng = self.rng(stream, chunk)
            hit = rng.random(a) < rate
            begin = chunk * CHUNK_DAYS + rng.integers(0, CHUNK_DAYS, a)
            length = rng.integers(shortest, longest + 1, a)
            for k in range(longest + 1):
                rows = begin + k
                ok = hit & (k < length) & (rows < n)
                spells[rows[ok], cols[ok]] = True
        return spells

    def _run_operations(self) -> None:
        n, a = self.n_days, self.n_asins
        horizon = n + 64
        sched_received = np.zeros((horizon, a), dtype=np.int64)
        sched_confirmed = np.zeros((horizon, a), dtype=np.int64)
        sched_lead = np.zeros((horizon, a), dtype=np.int64)
        out = {
            name: np.zeros((n, a), dtype=np.int64)
            for name in (
                "ordered_units",
                "shipped_units",
                "unfilled_units",
                "customer_returns",
                "sellable_returns",
                "received_units",
                "confirmed_due_units",
                "lead_day_units",
                "rtv_units",
                "requested_units",
                "confirmed_units",
                "sellable_on_hand",
                "unsellable_on_hand",
                "open_po_units",
            )
        }
        oos = np.zeros((n, a))
        has_forecast = len(self.generation_dates) > 0
        lines: list[PurchaseOrderLines] = []
        order_unit = self.order_unit
        supply = VendorSupply(
            self.start,
            self.vendor_quality,
            self.back_order_draw,
            order_unit,
            self.ordered_in_eaches,
            self.launch_index,
            self.supply_outage,
            self.supply_strain,
            self.list_price,
            self.vendor_lead_days,
            lambda t: self.rng(Stream.PURCHASE_ORDERS, t),
        )
        weekday = self._weekday_ext[:n]
        first_of_month = (self.dates.astype("datetime64[D]") == self.dates.astype("datetime64[M]")).tolist()
        last_active = self.discontinue_index - 1

        # ASINs on sale from the start begin with about six weeks of stock.
        initial_weeks = self._traffic_level_ext[:42].sum(axis=0) * self.conversion
        self.initial_on_hand = np.where(self.active[0], np.round(initial_weeks), 0).astype(np.int64)
        on_hand = self.initial_on_hand.copy()
        unsellable = np.zeros(a, dtype=np.int64)
        open_po = np.zeros(a, dtype=np.int64)
        pending_ship = np.zeros(a, dtype=np.int64)
        rng = self.rng(Stream.OPERATIONS, 0)
        for t in range(n):
            if t % CHUNK_DAYS == 0:
                rng = self.rng(Stream.OPERATIONS, t // CHUNK_DAYS)
            active = self.active[t]
            received = sched_received[t]
            on_hand += received
            open_po -= sched_confirmed[t]
            shipped_before = out["shipped_units"][t - RETURN_DELAY_DAYS] if t >= RETURN_DELAY_DAYS else 0
            returns = rng.binomial(shipped_before * active, self.return_rate)
            sellable_returns = rng.binomial(returns, SELLABLE_RETURN_SHARE)
            unsellable += returns - sellable_returns
            on_hand += sellable_returns

            demand = self.demand[t]
            available = on_hand.copy()
            ordered = np.minimum(demand, available)
            on_hand -= ordered
            # A share of each day's orders ships the next day (unfilled at day end); none is left behind
            # on an ASIN's last day.
            late = rng.binomial(ordered, SHIP_NEXT_DAY_SHARE) * (t != last_active)
            shipped = ordered - late + pending_ship
            pending_ship = late
            oos[t] = active * np.where(demand > 0, 1.0 - ordered / np.maximum(demand, 1), available == 0)

            rtv = np.zeros(a, dtype=np.int64)
            if first_of_month[t]:
                rtv += unsellable
                unsellable[:] = 0
            ending = t == last_active
            if ending.any():
                rtv += np.where(ending, on_hand + unsellable, 0)
                on_hand[ending] = 0
                unsellable[ending] = 0

            if weekday[t] == 0 and has_forecast:
                amount = amazon_order_amount(self.order_target(t), on_hand, open_po, order_unit,
                                             self.orders_eligible(t))
                week = supply.respond(t, amount)
                self.schedule_receipts(week, t, sched_received, sched_confirmed, sched_lead)
                accepted = np.zeros(a, dtype=np.int64)
                np.add.at(accepted, week.asin_index, week.accepted_units)
                open_po += accepted
                out["requested_units"][t] = amount * order_unit
                out["confirmed_units"][t] = accepted
                if len(week):
                    lines.append(week)

            out["ordered_units"][t] = ordered
            out["shipped_units"][t] = shipped
            out["unfilled_units"][t] = pending_ship
            out["customer_returns"][t] = returns
            out["sellable_returns"][t] = sellable_returns
            out["received_units"][t] = received
            out["confirmed_due_units"][t] = sched_confirmed[t]
            out["lead_day_units"][t] = sched_lead[t]
            out["rtv_units"][t] = rtv
            out["sellable_on_hand"][t] = on_hand
            out["unsellable_on_hand"][t] = unsellable
            out["open_po_units"][t] = open_po

        self.ordered_units = out["ordered_units"]
        self.shipped_units = out["shipped_units"]
        self.unfilled_units = out["unfilled_units"]
        self.customer_returns = out["customer_returns"]
        self.sellable_returns = out["sellable_returns"]
        self.received_units = out["received_units"]
        self.confirmed_due_units = out["confirmed_due_units"]
        self.lead_day_units = out["lead_day_units"]
        self.rtv_units = out["rtv_units"]
        self.requested_units = out["requested_units"]
        self.confirmed_units = out["confirmed_units"]
        self.sellable_on_hand = out["sellable_on_hand"]
        self.unsellable_on_hand = out["unsellable_on_hand"]
        self.open_po_units = out["open_po_units"]
        self.oos_fraction = oos
        self.censored = self.demand > self.ordered_units
        self.purchase_orders = PurchaseOrderLines.concatenate(lines)

    @property
    def order_unit(self) -> np.ndarray:
        """Units per order unit of each ASIN: its case pack, or 1 for ASINs Amazon orders by the each."""
        return np.where(self.ordered_in_eaches, 1, self.case_size)

    @property
    def window_offset_days(self) -> int:
        """Days from a PO to the start of its delivery window."""
        return window_offset_days(self.vendor_lead_days)

    def order_target(self, t: int) -> np.ndarray:
        """What Amazon wants on hand plus on order after its order of day `t`: its latest forecast over
        COVER_WEEKS weeks, times SAFETY_FACTOR."""
        generation = min(max((t - self.first_generation_index) // 7, 0), len(self.generation_dates) - 1)
        return self.forecast_mean[generation, :COVER_WEEKS].sum(axis=0) * SAFETY_FACTOR

    def orders_eligible(self, t: int) -> np.ndarray:
        """ASINs Amazon orders on day `t`: launch stock is ordered in the week whose delivery window reaches the
        launch day, and nothing in the SELL_OFF_DAYS before a discontinuation."""
        last_window_day = self.window_offset_days + WINDOW_DAYS - 1
        return (t + last_window_day >= self.launch_index) & (t < self.discontinue_index - SELL_OFF_DAYS)

    @staticmethod
    def schedule_receipts(
        week: PurchaseOrderLines,
        t: int,
        received: np.ndarray,
        leaving_open: np.ndarray,
        lead_days: np.ndarray,
    ) -> None:
        """Book the week's receipts by day and ASIN: units received, units leaving the open POs (received, or
        given up on when the line closes), and units x days since the order (Amazon's lead time)."""
        first, rest = week.first_received_units, week.received_units - week.first_received_units
        np.add.at(received, (week.first_receipt_day, week.asin_index), first)
        np.add.at(received, (week.last_receipt_day, week.asin_index), rest)
        np.add.at(leaving_open, (week.first_receipt_day, week.asin_index), first)
        np.add.at(leaving_open, (week.close_day, week.asin_index), week.accepted_units - first)
        np.add.at(lead_days, (week.first_receipt_day, week.asin_index), first * (week.first_receipt_day - t))
        np.add.at(lead_days, (week.last_receipt_day, week.asin_index), rest * (week.last_receipt_day - t))

    def _derive_positions(self) -> None:
        inflow = self.received_units + self.sellable_returns
        inflow[0] += self.initial_on_hand
        cumulative = np.vstack([np.zeros((1, self.n_asins), dtype=np.int64), np.cumsum(inflow, axis=0)])
        window_start = np.maximum(np.arange(self.n_days) + 1 - AGED_DAYS, 0)
        received_recently = cumulative[1:] - cumulative[window_start]
        # First in, first out: what is on hand beyond the last 90 days' inflow is at least 90 days old.
        self.aged_90_plus_units = np.maximum(self.sellable_on_hand - received_recently, 0)
        if len(self.generation_dates):
            healthy = self.forecast_mean[:, :HEALTHY_WEEKS].sum(axis=1)[self._generation_for_days()]
        else:
            healthy = np.zeros((self.n_days, self.n_asins))
        self.unhealthy_units = np.maximum(self.sellable_on_hand - np.ceil(healthy), 0).astype(np.int64)
        returned = self.customer_returns
        self.shipped_revenue = (self.shipped_units - returned) * self.price
        self.ordered_revenue = self.ordered_units * self.price
        self.shipped_cogs = (self.shipped_units - returned) * self.unit_cost
        # Vendor-funded co-op: a share of revenue plus half of every promotional discount.
        self.coop = (
            self.coop_rate * self.shipped_units * self.price
            + 0.5 * (self.list_price - self.price) * self.shipped_units
        )

    # ------------------------------------------------------------------ distributor views and programs
    def slice_shares(
        self, distributor_view: str | None, selling_program: str | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(share of each ASIN's units, whether the ASIN is in the slice) for a view x selling program."""
        share = np.ones(self.n_asins)
        included = np.ones(self.n_asins, dtype=bool)
        if distributor_view == DistributorView.SOURCING:
            share = share * self.sourcing_share
        if selling_program == SellingProgram.BUSINESS:
            share = share * self.business_share
        elif selling_program == SellingProgram.FRESH:
            share = share * self.fresh_share
            included = self.fresh_share > 0
        return share, included

    def slice_key(self, distributor_view: str | None, selling_program: str | None) -> int:
        views = {None: 0, DistributorView.MANUFACTURING: 0, DistributorView.SOURCING: 1}
        programs = {None: 0, SellingProgram.RETAIL: 0, SellingProgram.BUSINESS: 1, SellingProgram.FRESH: 2}
        return 1 + 3 * views[distributor_view] + programs[selling_program]

    def thin(
        self, units: np.ndarray, first_row: int, share: np.ndarray, slice_key: int, metric: int
    ) -> np.ndarray:
        """Units of a slice: `units` (rows from `first_row`) x share, stochastically rounded so that the
        slice is unbiased and a share of 1 keeps the units unchanged."""
        if np.all(share == 1.0):
            return units.astype(np.int64)
        rows = units.shape[0]
        uniform = self._slice_uniform(slice_key * 64 + metric, first_row, rows)
        return np.floor(units * share + uniform).astype(np.int64)

    def _slice_uniform(self, key: int, first_row: int, rows: int) -> np.ndarray:
        parts = []
        chunk = first_row // CHUNK_DAYS
        row = first_row
        while row < first_row + rows:
            block = self._slice_cache.get((key, chunk))
            if block is None:
                block = self.rng(Stream.SLICES, key, chunk).random((CHUNK_DAYS, self.n_asins))
                self._slice_cache[(key, chunk)] = block
            offset = row - chunk * CHUNK_DAYS
            take = min(CHUNK_DAYS - offset, first_row + rows - row)
            parts.append(block[offset : offset + take])
            row += take
            chunk += 1
        return np.concatenate(parts) if parts else np.zeros((0, self.n_asins))
