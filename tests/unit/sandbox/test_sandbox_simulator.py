import re
import time
from datetime import date, timedelta

import numpy as np
import pytest

from vendorcast.sandbox.restatements import (
    FINAL_AFTER_DAYS,
    PRELIMINARY_HIGH,
    PRELIMINARY_LOW,
    restate_units,
    restatement_factor,
)
from vendorcast.sandbox.retail_calendar import easter_sunday, prime_day, thanksgiving
from vendorcast.sandbox.simulator import FORECAST_WEEKS, VendorSimulator


def test_two_hundred_asins_over_three_years_build_well_under_two_seconds():
    started = time.perf_counter()
    sim = VendorSimulator(3, 200, date(2023, 1, 1), date(2025, 12, 31))
    elapsed = time.perf_counter() - started
    assert sim.demand.shape == (1096, 200)
    assert elapsed < 2.0, f"building took {elapsed:.2f}s"


def test_same_seed_same_vendor_other_seed_other_vendor(sim):
    again = VendorSimulator(sim.seed, sim.n_asins, sim.start, sim.end)
    assert again.asins == sim.asins
    for name in ("demand", "ordered_units", "sellable_on_hand", "price", "forecast_p90"):
        assert np.array_equal(getattr(again, name), getattr(sim, name)), name
    other = VendorSimulator(sim.seed + 1, sim.n_asins, sim.start, sim.end)
    assert other.asins != sim.asins


def test_a_longer_simulation_agrees_on_every_shared_day(sim):
    shorter = VendorSimulator(sim.seed, sim.n_asins, sim.start, date(2024, 2, 10))
    n = shorter.n_days
    for name in (
        "demand",
        "glance_views",
        "ordered_units",
        "shipped_units",
        "customer_returns",
        "price",
        "sellable_on_hand",
        "open_po_units",
        "aged_90_plus_units",
        "unhealthy_units",
        "oos_fraction",
    ):
        assert np.array_equal(getattr(shorter, name), getattr(sim, name)[:n]), name
    generations = len(shorter.generation_dates)
    assert np.array_equal(shorter.forecast_mean, sim.forecast_mean[:generations])


def test_asins_are_realistic_unique_and_in_catalogue_order(sim):
    assert all(re.fullmatch(r"B0[0-9A-Z]{8}", asin) for asin in sim.asins)
    assert len(set(sim.asins)) == len(sim.asins)
    assert sim.asins == sorted(sim.asins)


def test_some_asins_launch_mid_history_and_some_are_discontinued():
    sim = VendorSimulator(5, 200, date(2023, 1, 1), date(2025, 12, 31))
    launched_later = sim.launch_index > 0
    discontinued = sim.discontinue_index < sim.n_days
    assert launched_later.sum() > 10
    assert discontinued.sum() > 3
    for a in np.nonzero(launched_later)[0]:
        before = slice(0, sim.launch_index[a])
        assert not sim.active[before, a].any()
        assert sim.demand[before, a].sum() == 0
        assert sim.shipped_units[before, a].sum() == 0
    for a in np.nonzero(discontinued)[0]:
        after = slice(sim.discontinue_index[a], None)
        assert not sim.active[after, a].any()
        assert sim.ordered_units[after, a].sum() == 0
        assert sim.sellable_on_hand[after, a].sum() == 0


def test_stockouts_censor_sales(sim):
    active = sim.active
    assert (sim.ordered_units <= sim.demand).all()
    censored = sim.censored & active
    # Sales only fall short of demand when the shelf ran empty that day.
    assert (sim.sellable_on_hand[censored] == 0).all()
    rate = censored.sum() / active.sum()
    assert 0.01 < rate < 0.2
    assert (sim.oos_fraction[censored] > 0).all()


def test_shipments_follow_orders_and_returns_follow_shipments(sim):
    assert sim.shipped_units.sum() == sim.ordered_units.sum() - sim.unfilled_units[-1].sum()
    returns = sim.customer_returns.sum() / sim.shipped_units.sum()
    assert 0.005 < returns < 0.1
    assert np.allclose(sim.ordered_revenue, sim.ordered_units * sim.price)


def test_holidays_and_prime_day_lift_demand(sim):
    def uplift(day: date) -> float:
        i = sim.day_index(day)
        usual = sim.expected_demand[i - 28 : i - 7].sum() / 21
        return sim.expected_demand[i].sum() / usual

    assert uplift(thanksgiving(2024) + timedelta(days=1)) > 1.5
    assert uplift(thanksgiving(2024) + timedelta(days=4)) > 1.3
    assert uplift(prime_day(2024)[0]) > 1.5
    assert uplift(date(2024, 12, 25)) < 1.0


def test_retail_calendar_dates():
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert thanksgiving(2024) == date(2024, 11, 28)
    assert prime_day(2025)[0].weekday() == 1


def test_promotions_cut_prices_and_lift_conversion(sim):
    promo = sim.promotion & sim.active
    assert promo.any()
    assert (sim.price[promo] < sim.list_price[promo]).all()
    assert (sim.price[~sim.promotion] == sim.list_price[~sim.promotion]).all()
    assert sim.conversion_rate[promo].mean() > sim.conversion_rate[~sim.promotion & sim.active].mean()


def test_amazon_forecasts_are_weekly_26_buckets_monotone_and_sensible(sim):
    assert all(d.weekday() == 6 for d in sim.generation_dates)
    assert sim.forecast_mean.shape[1] == FORECAST_WEEKS
    assert (sim.forecast_mean >= 0).all()
    assert (sim.forecast_mean <= sim.forecast_p70).all()
    assert (sim.forecast_p70 <= sim.forecast_p80).all()
    assert (sim.forecast_p80 <= sim.forecast_p90).all()
    # Imperfect but sensible: next week's forecast tracks next week's demand within a factor of two overall.
    k = 60
    first = sim.day_index(sim.generation_dates[k])
    actual = sim.demand[first : first + 7].sum()
    forecast = sim.forecast_mean[k, 0][sim.forecast_active[k]].sum()
    assert 0.5 < forecast / actual < 2.0


def test_restatements_are_preliminary_for_ten_days_then_final():
    end = date(2025, 6, 14).toordinal()
    asins = np.arange(50)
    preliminary = restatement_factor(11, asins, end - 6, end, date(2025, 6, 17))
    assert ((preliminary >= PRELIMINARY_LOW) & (preliminary < PRELIMINARY_HIGH)).all()
    assert len(np.unique(preliminary)) > 40
    again = restatement_factor(11, asins, end - 6, end, date(2025, 6, 17))
    assert np.array_equal(preliminary, again)
    later = restatement_factor(
        11, asins, end - 6, end, date(2025, 6, 14) + timedelta(days=FINAL_AFTER_DAYS - 1)
    )
    assert not np.array_equal(later, preliminary)
    final = restatement_factor(11, asins, end - 6, end, date(2025, 6, 14) + timedelta(days=FINAL_AFTER_DAYS))
    assert (final == 1.0).all()
    units = restate_units(np.array([0, 7, 1000]), preliminary[:3])
    assert units.dtype == np.int64
    assert units[0] == 0


@pytest.mark.parametrize("view, program", [("SOURCING", "RETAIL"), ("MANUFACTURING", "BUSINESS")])
def test_slices_are_unbiased_integer_shares(sim, view, program):
    share, _ = sim.slice_shares(view, program)
    key = sim.slice_key(view, program)
    sliced = sim.thin(sim.shipped_units, 0, share, key, 2)
    assert sliced.dtype == np.int64
    assert (sliced >= 0).all()
    expected = (sim.shipped_units * share).sum()
    assert abs(sliced.sum() - expected) / expected < 0.02
    assert np.array_equal(sim.thin(sim.shipped_units[100:200], 100, share, key, 2), sliced[100:200])
