"""Amazon's forecast in the emulator: it knows Amazon's own deals ahead, its quantiles are calibrated on its own
errors, it reads only the past, and it is reproducible."""

import dataclasses
from datetime import date

import numpy as np
import pytest

from vendorcast.sandbox.amazon_forecast import FORECAST_WEEKS
from vendorcast.sandbox.simulator import VendorSimulator


@pytest.fixture(scope="module")
def vendor() -> VendorSimulator:
    return VendorSimulator(21, 200, date(2023, 1, 1), date(2025, 12, 31))


def weekly(sim: VendorSimulator, daily: np.ndarray) -> np.ndarray:
    """Daily values summed over the weeks that start on the generation Sundays."""
    first = sim.first_generation_index
    weeks = (sim.n_days - first) // 7
    return daily[first : first + 7 * weeks].reshape(weeks, 7, -1).sum(axis=1)


def forecast_points(sim: VendorSimulator, first_generation: int) -> dict[str, np.ndarray]:
    """Every (generation, horizon, ASIN) forecast from `first_generation` on whose week is complete and the ASIN
    selling all week, next to that week's demand and whether it had a deal day."""
    demand = weekly(sim, sim.demand)
    selling = weekly(sim, sim.active.astype(int)) == 7
    deal = weekly(sim, sim.promotion.astype(int)) > 0
    k, h, a = np.meshgrid(np.arange(len(sim.generation_dates)), np.arange(FORECAST_WEEKS), np.arange(sim.n_asins),
                          indexing="ij")
    week = k + h
    keep = (k >= first_generation) & (week < len(demand))
    k, h, a, week = k[keep], h[keep], a[keep], week[keep]
    keep = sim.forecast_active[k, a] & selling[week, a]
    k, h, a, week = k[keep], h[keep], a[keep], week[keep]
    return {"horizon": h, "actual": demand[week, a], "deal": deal[week, a],
            **{name: getattr(sim, f"forecast_{name}")[k, h, a] for name in ("mean", "p70", "p80", "p90")}}


def test_a_week_on_deal_is_forecast_higher_than_the_same_week_without_it(vendor):
    knowledge = vendor.amazon_knowledge()
    k = 40
    generated = int(knowledge.generation_days[k])
    # ASINs with a deal in the fourth week after generation k: the same week without it (the list price all week).
    week = slice(generated + 21, generated + 28)
    on_deal = vendor.promotion[week].any(axis=0) & vendor.forecast_active[k]
    assert on_deal.sum() >= 5
    price, promotion = knowledge.price.copy(), knowledge.promotion.copy()
    price[week, on_deal] = vendor.list_price[week, on_deal]
    promotion[week, on_deal] = False
    with_deal = knowledge.forecast()
    without = dataclasses.replace(knowledge, price=price, promotion=promotion).forecast()
    assert (with_deal.mean[k, 3, on_deal] > 1.1 * without.mean[k, 3, on_deal]).all()
    assert (with_deal.p90[k, 3, on_deal] > without.p90[k, 3, on_deal]).all()
    # The other weeks of that generation do not move.
    others = np.arange(FORECAST_WEEKS) != 3
    assert np.array_equal(with_deal.mean[k][others], without.mean[k][others])


def test_weeks_with_a_deal_are_forecast_without_bias(vendor):
    points = forecast_points(vendor, 26)
    deal = points["deal"]
    for selected in (deal, ~deal):
        bias = (points["mean"][selected] - points["actual"][selected]).sum() / points["actual"][selected].sum()
        assert abs(bias) < 0.08, bias


@pytest.mark.parametrize("first, last", [(0, 4), (4, 12), (12, FORECAST_WEEKS)])
def test_quantiles_cover_their_share_of_weeks_at_every_horizon(vendor, first, last):
    # From the 26th generation on, every horizon has a half-year of errors behind its calibration.
    points = forecast_points(vendor, 26)
    selected = (points["horizon"] >= first) & (points["horizon"] < last)
    actual = points["actual"][selected]
    for name, share in (("p70", 0.7), ("p80", 0.8), ("p90", 0.9)):
        covered = np.mean(actual <= points[name][selected])
        assert abs(covered - share) < 0.015, (name, covered)


def test_a_generation_reads_only_the_demand_before_it(vendor):
    knowledge = vendor.amazon_knowledge()
    k = 60
    generated = int(knowledge.generation_days[k])
    demand = knowledge.demand.copy()
    demand[generated:] *= 3
    changed = dataclasses.replace(knowledge, demand=demand).forecast()
    original = knowledge.forecast()
    for name in ("mean", "p70", "p80", "p90"):
        assert np.array_equal(getattr(changed, name)[: k + 1], getattr(original, name)[: k + 1]), name
        assert not np.array_equal(getattr(changed, name)[k + 1], getattr(original, name)[k + 1]), name


def test_the_same_seed_gives_the_same_forecast(vendor):
    again = VendorSimulator(vendor.seed, vendor.n_asins, vendor.start, vendor.end)
    for name in ("forecast_mean", "forecast_p70", "forecast_p80", "forecast_p90"):
        assert np.array_equal(getattr(again, name), getattr(vendor, name)), name
