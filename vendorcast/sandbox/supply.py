"""The simulated vendor's side of Amazon's weekly purchase orders: how each ASIN's order is split across
fulfilment centers, what the vendor accepts, rejects or backorders, and when (and how much of) each line is
received. Reliability is drawn once per ASIN, supply problems last weeks, and lateness differs by center."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date

import numpy as np

FULFILMENT_CENTERS = ("ABE8", "MDW2", "DFW7", "PHX6", "ONT8")
# Share of the vendor's demand each center serves (Amazon orders for each center's region).
FC_DEMAND_SHARE = np.array([0.30, 0.20, 0.15, 0.10, 0.25])
# How often a center's inbound dock receives a PO after its delivery window (far from the vendor: more often).
FC_LATE_RATE = np.array([0.01, 0.015, 0.02, 0.03, 0.05])
# Late deliveries double in Amazon's peak (November and December).
PEAK_LATE_FACTOR = 2.0
WINDOW_DAYS = 5  # a delivery window spans five days from its start, 07:00 UTC to 07:00 UTC
RECEIPT_HOUR = 16
# Amazon gives up on accepted units still not received this many days after the window ends.
GIVE_UP_DAYS = 7
# Every receipt falls within this many days of its order: before a discontinued ASIN's last day (Amazon stops
# ordering eight weeks before), and within the days the simulator schedules ahead.
MAX_RECEIPT_DAYS = 49
# Share of ASINs with a poor vendor record, and how unreliable they are (see `failure_intensity`).
PROBLEM_SHARE = 0.06
BACK_ORDER_SHARE = 0.3
# Failure intensity added while an ASIN's supply is strained.
STRAIN_INTENSITY = 0.3
SPLIT_SHIPMENT_RATE = 0.08
UPPER_CASE_UNIT_RATE = 0.03


def failure_intensity(quality: np.ndarray) -> np.ndarray:
    """Per-ASIN vendor unreliability from a uniform draw: most ASINs near 0 (reliable), the worst
    PROBLEM_SHARE of them between 0.35 and 0.6."""
    good = (quality - PROBLEM_SHARE) / (1 - PROBLEM_SHARE)
    return np.where(quality < PROBLEM_SHARE, 0.35 + 0.25 * quality / PROBLEM_SHARE, 0.1 * good**2)


def window_offset_days(lead_days: int) -> int:
    """Days from a PO to the start of its delivery window: it opens two days before the vendor's usual lead
    time is up."""
    return lead_days - 2


@dataclass(frozen=True)
class PurchaseOrderLines:
    """One row per ASIN and fulfilment center ordered on a purchase-order day. Amounts are in the line's
    order unit: cases of `unit_size` units, or eaches (`unit_size` 1)."""

    day: np.ndarray  # day index the PO was placed
    asin_index: np.ndarray
    fulfilment_center: np.ndarray  # index into FULFILMENT_CENTERS
    unit_size: np.ndarray
    eaches: np.ndarray  # ordered by the each (bulky items)
    back_order_allowed: np.ndarray
    upper_case_unit: np.ndarray  # served as "CASES"/"EACHES", as some of Amazon's own examples write it
    ordered: np.ndarray
    accepted: np.ndarray
    received: np.ndarray  # in the end, over all receipts
    first_received: np.ndarray  # in the first receipt (all of `received` unless the shipment was split)
    acknowledged_hours: np.ndarray  # after placement
    window_start_day: np.ndarray  # the delivery window starts at 07:00 UTC on this day
    first_receipt_day: np.ndarray
    last_receipt_day: np.ndarray  # equals first_receipt_day unless the shipment was split
    close_day: np.ndarray  # the last receipt, or when Amazon gave up on accepted units never received
    list_price: np.ndarray

    def __len__(self) -> int:
        return len(self.day)

    @property
    def ordered_units(self) -> np.ndarray:
        return self.ordered * self.unit_size

    @property
    def accepted_units(self) -> np.ndarray:
        return self.accepted * self.unit_size

    @property
    def received_units(self) -> np.ndarray:
        return self.received * self.unit_size

    @property
    def first_received_units(self) -> np.ndarray:
        return self.first_received * self.unit_size

    @classmethod
    def concatenate(cls, parts: list[PurchaseOrderLines]) -> PurchaseOrderLines:
        if not parts:
            return cls(**{f.name: np.zeros(0, dtype=np.int64) for f in fields(cls)})
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})


class VendorSupply:
    """Answers each week's order: `respond(t, amount)` gives the PO lines of day `t` for `amount` order
    units per ASIN (national need, rounded to the order unit)."""

    def __init__(
        self,
        start: date,
        quality: np.ndarray,
        back_order_draw: np.ndarray,
        unit_size: np.ndarray,
        eaches: np.ndarray,
        launch_index: np.ndarray,
        supply_outage: np.ndarray,
        supply_strain: np.ndarray,
        list_price: np.ndarray,
        lead_days: int,
        week_rng: Callable[[int], np.random.Generator],
    ) -> None:
        self.failure = failure_intensity(quality)
        self.back_order_allowed = back_order_draw < BACK_ORDER_SHARE
        self.unit_size = unit_size
        self.eaches = eaches
        self.launch_index = launch_index
        self.supply_outage = supply_outage
        self.supply_strain = supply_strain
        self.list_price = list_price
        self.window_offset = window_offset_days(lead_days)
        self._week_rng = week_rng
        self._start = np.datetime64(start, "D")

    def _late_rate(self, t: int) -> np.ndarray:
        month = (self._start + t).astype("datetime64[M]").astype(int) % 12 + 1
        return FC_LATE_RATE * (PEAK_LATE_FACTOR if month >= 11 else 1.0)

    def respond(self, t: int, amount: np.ndarray) -> PurchaseOrderLines:
        rng = self._week_rng(t)
        k = len(FULFILMENT_CENTERS)
        per_center = rng.multinomial(amount, FC_DEMAND_SHARE)
        asin, center = np.nonzero(per_center)
        ordered = per_center[asin, center]
        m = len(asin)
        failure = self.failure[asin] + STRAIN_INTENSITY * self.supply_strain[t, asin]
        outage = self.supply_outage[t, asin]
        back_order = self.back_order_allowed[asin]
        draws = rng.random((8, m))

        # Acknowledgement: whole lines rejected now and then, partial confirmations more often on weak ASINs;
        # without stock the vendor rejects, or accepts and delivers later where Amazon allows backorders.
        partial = draws[0] < 0.01 + 0.5 * failure
        accepted = np.where(partial, rng.binomial(ordered, rng.uniform(0.4, 0.95, m)), ordered)
        accepted = np.where(draws[1] < 0.003 + 0.1 * failure, 0, accepted)
        backordered = outage & back_order
        accepted = np.where(outage, np.where(back_order, ordered, 0), accepted)
        short = draws[2] < 0.01 + 0.5 * failure
        received = np.where(short, rng.binomial(accepted, rng.uniform(0.5, 0.95, m)), accepted)

        # Receipt: each center's PO arrives on one day of the window, or late when that dock is behind; a
        # line can miss the truck (late), be received a day after its PO, or come in two shipments.
        window_start = t + self.window_offset
        window_end = window_start + WINDOW_DAYS  # 07:00 on this day: receipts from then on are late
        arrival = window_start + rng.integers(0, WINDOW_DAYS - 1, k)
        center_late = rng.random(k) < self._late_rate(t)
        arrival = np.where(center_late, window_end + rng.geometric(0.4, k) - 1, arrival)
        day = arrival[center] + (draws[3] < 0.25)
        late = draws[4] < 0.005 + 0.5 * failure
        day = np.where(late, np.maximum(day, window_end) + rng.geometric(0.35, m) - 1, day)
        day = np.where(backordered, window_end + rng.integers(3, 25, m), day)
        # Launch stock is delivered for the launch day, not before.
        day = np.maximum(day, self.launch_index[asin])
        split = (draws[5] < SPLIT_SHIPMENT_RATE) & (received >= 2)
        first = np.where(split, 1 + (draws[6] * (received - 1)).astype(np.int64), received)
        last_day = np.where(split, day + rng.integers(1, 5, m), day)
        last_day = np.minimum(last_day, t + MAX_RECEIPT_DAYS)
        day = np.minimum(day, last_day)
        close = np.where(received > 0, last_day, np.minimum(window_end + GIVE_UP_DAYS, t + MAX_RECEIPT_DAYS))
        acknowledged_hours = rng.integers(20, 50, k)
        return PurchaseOrderLines(
            day=np.full(m, t),
            asin_index=asin,
            fulfilment_center=center,
            unit_size=self.unit_size[asin],
            eaches=self.eaches[asin],
            back_order_allowed=back_order,
            upper_case_unit=draws[7] < UPPER_CASE_UNIT_RATE,
            ordered=ordered,
            accepted=accepted,
            received=received,
            first_received=first,
            acknowledged_hours=acknowledged_hours[center],
            window_start_day=np.full(m, window_start),
            first_receipt_day=day,
            last_receipt_day=last_day,
            close_day=close,
            list_price=self.list_price[t, asin],
        )
