"""Amazon's order-up-to behaviour replayed by hand: cover, lead time, case packs, open POs, its forecast revised
after each week's surprise; its cover and its forecast's revision elasticity learned from its past orders and
snapshots; and the summary's quantiles never cross and are never negative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vendorcast.planning.decisions import LEVELS, sample_paths
from vendorcast.planning.sell_in import (
    MIN_REVISION_OBSERVATIONS,
    AmazonPosition,
    learn_cover_weeks,
    learn_revision_elasticity,
    replay_amazon_orders,
    revise_forecast,
    summarize,
)


def test_amazon_orders_up_to_its_cover_less_what_it_holds_and_awaits() -> None:
    # 10 a week, cover 2 weeks, lead time 1 week, nothing on hand: 20 first (to 2 weeks), then nothing while it
    # arrives, then the 10 a week that keeps the cover.
    demand = np.full((1, 5), 10.0)
    orders = replay_amazon_orders(demand, np.full(5, 10.0), AmazonPosition(on_hand=0, lead_time_weeks=1,
                                                                           cover_weeks=2))
    assert orders[0].tolist() == [20.0, 0.0, 10.0, 10.0, 10.0]


def test_amazon_orders_whole_case_packs_and_counts_open_orders() -> None:
    demand = np.full((1, 4), 10.0)
    cased = replay_amazon_orders(demand, np.full(4, 10.0),
                                 AmazonPosition(on_hand=0, lead_time_weeks=1, cover_weeks=2, case_pack=12))
    assert cased[0].tolist() == [24.0, 0.0, 12.0, 12.0]
    # 15 on hand and 20 on open POs due in week 1 cover the first two weeks.
    awaiting = replay_amazon_orders(demand, np.full(4, 10.0), AmazonPosition(
        on_hand=15, lead_time_weeks=1, cover_weeks=2, open_po_by_week=np.array([20.0])))
    assert awaiting[0, 0] == 0.0 and awaiting[0].sum() > 0


def test_quantiles_of_orders_never_cross_and_are_never_negative() -> None:
    paths = np.random.default_rng(3).normal(5, 10, (500, 6))
    mean, quantiles = summarize(paths)
    assert (quantiles >= 0).all() and (np.diff(quantiles, axis=1) >= 0).all() and (mean >= 0).all()


def test_amazons_cover_is_learned_from_its_orders_and_positions() -> None:
    key = {"account": "acme-us", "marketplace_id": "ATVPDKIKX0DER"}
    weeks = pd.date_range("2026-10-04", periods=9, freq="7D")
    # KETTLE: 10 a week forecast, cases of 10; each Monday it orders 30 with 10 on hand and 0 open: its target is
    # above 10 and above 40 - one case, at most 40: 35 in the middle, 3.5 weeks.
    # JAR: 2 a week forecast, cases of 24; it orders one case in every other week, when its position fell from 9
    # (not short: no order) to 7 (short): its target is between 7 and 9, 4 weeks (the lifted position, 31, would
    # read 15.5 weeks).
    # MUG orders once (20 with 5 on hand and 5 open, forecast 5 a week, by the each: between 29 and 30, 5.9 weeks):
    # too few orders of its own, so it gets the median over every order, 4 weeks.
    orders = pd.DataFrame([{**key, "asin": "KETTLE", "week_start": w, "ordered_units": 30.0, "case_pack": 10}
                           for w in weeks[1:5]]
                          + [{**key, "asin": "JAR", "week_start": w, "ordered_units": 24.0, "case_pack": 24}
                             for w in weeks[2::2]]
                          + [{**key, "asin": "MUG", "week_start": weeks[1], "ordered_units": 20.0, "case_pack": 1}])
    positions = pd.DataFrame([{**key, "asin": "KETTLE", "week_start": w, "on_hand": 10.0, "open_po_units": 0.0}
                              for w in weeks[:4]]
                             + [{**key, "asin": "JAR", "week_start": w, "on_hand": 9.0 - 2 * (k % 2),
                                 "open_po_units": 0.0} for k, w in enumerate(weeks[:-1])]
                             + [{**key, "asin": "MUG", "week_start": weeks[0], "on_hand": 5.0, "open_po_units": 5.0}])
    snapshots = pd.DataFrame([{**key, "asin": asin, "generated_on": g, "week_start": g + pd.Timedelta(weeks=k),
                               "mean": mean} for asin, mean in (("KETTLE", 10.0), ("JAR", 2.0), ("MUG", 5.0))
                              for g in weeks for k in range(8)])

    learned = learn_cover_weeks(orders, positions, snapshots).set_index("asin")

    assert learned.loc["KETTLE", "cover_weeks"] == 3.5 and learned.loc["KETTLE", "observations"] == 4
    assert learned.loc["JAR", "cover_weeks"] == 4.0 and learned.loc["JAR", "observations"] == 4
    assert learned.loc["MUG", "cover_weeks"] == 4.0 and learned.loc["MUG", "observations"] == 1


def test_a_surprise_revises_every_later_week_of_amazons_forecast() -> None:
    forecast = np.array([[10.0, 10.0, 20.0], [10.0, 10.0, 20.0], [0.5, 4.0, 4.0]])
    # 4 units over 10 is a 40% surprise: at elasticity 0.5 the later weeks rise by 20%; 6 under lowers them by
    # 30%; a forecast under one unit counts as one (2 units over 0.5 is a surprise of 200%: 4 -> 8).
    revised = revise_forecast(forecast, 0, np.array([4.0, -6.0, 2.0]), 0.5)
    assert np.allclose(revised, [[10.0, 12.0, 24.0], [10.0, 7.0, 14.0], [0.5, 8.0, 8.0]])
    assert (revise_forecast(forecast, 0, np.array([-10.0, -10.0, -10.0]), 2.0) >= 0).all()


def test_amazon_orders_on_its_revised_forecast_along_each_path() -> None:
    # Forecast 10 a week, cover 2, lead time 1, nothing on hand; two paths, 14 or 6 in week 0 (mean 10), then 10.
    # Week 0: both order 20. The first path's +4 (40% of 10) lifts the forecast to 12: week 1 orders 24 - 20 on
    # order = 4, week 2 24 - (10 on hand + 4 due) = 10. The second path's -4 lowers it to 8: nothing in week 1,
    # 16 - 10 on hand = 6 in week 2. Held fixed, the forecast asks for 0 and then 10 on both.
    demand = np.array([[14.0, 10.0, 10.0], [6.0, 10.0, 10.0]])
    revised = replay_amazon_orders(demand, np.full(3, 10.0), AmazonPosition(
        on_hand=0, lead_time_weeks=1, cover_weeks=2, revision_elasticity=0.5))
    fixed = replay_amazon_orders(demand, np.full(3, 10.0), AmazonPosition(on_hand=0, lead_time_weeks=1,
                                                                          cover_weeks=2))
    assert revised.tolist() == [[20.0, 4.0, 10.0], [20.0, 0.0, 6.0]]
    assert fixed.tolist() == [[20.0, 0.0, 10.0], [20.0, 0.0, 10.0]]


def test_revisions_widen_the_replayed_orders_as_the_elasticity_grows() -> None:
    # Shoppers' demand of 100 a week, P10 to P90 about 70 to 130; Amazon orders 3 weeks ahead with a 2-week lead.
    quantiles = np.tile([70.0, 100.0, 110.0, 117.0, 130.0], (10, 1))
    demand = sample_paths(LEVELS, quantiles, 2000, np.random.default_rng(5))
    spreads = []
    for elasticity in (0.0, 0.15, 0.3):
        orders = replay_amazon_orders(demand, np.full(10, 100.0), AmazonPosition(
            on_hand=200, lead_time_weeks=2, cover_weeks=3, revision_elasticity=elasticity))
        totals = orders[:, 2:].sum(axis=1)
        spreads.append(np.quantile(totals, 0.9) - np.quantile(totals, 0.1))
    assert spreads[0] < spreads[1] < spreads[2] and spreads[2] > 1.2 * spreads[0]


def _snapshots_revised_by(elasticity: float, surprises: dict[str, list[float]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weekly snapshots (8 weeks each, flat at the ASIN's level) and sales: each week sells the level plus its
    surprise, and the next snapshot's level moves by `elasticity` x the surprise."""
    key = {"account": "acme-us", "marketplace_id": "ATVPDKIKX0DER"}
    snapshots, sales = [], []
    for asin, weekly in surprises.items():
        level = 20.0
        for k, surprise in enumerate([*weekly, 0.0]):
            made = pd.Timestamp("2026-06-07") + pd.Timedelta(weeks=k)
            snapshots += [{**key, "asin": asin, "generated_on": made, "week_start": made + pd.Timedelta(weeks=h),
                           "mean": level} for h in range(8)]
            sales.append({**key, "asin": asin, "week_start": made, "units": level + surprise, "censored": False})
            level += elasticity * surprise
    return pd.DataFrame(snapshots), pd.DataFrame(sales)


def test_the_revision_elasticity_is_learned_from_snapshots_and_sales() -> None:
    surprises = {"KETTLE": [4.0, -2.0, 6.0, 0.0, -5.0, 3.0, 1.0, -1.0],
                 "MUG": [-3.0, 2.0, 2.0, -4.0, 5.0, 1.0, -2.0, 3.0],
                 "PAN": [1.0, 1.0, -6.0, 4.0, 2.0, -1.0, 3.0, -2.0]}
    snapshots, sales = _snapshots_revised_by(0.25, surprises)

    elasticity, observations = learn_revision_elasticity(snapshots, sales)

    assert observations == 24 and elasticity == pytest.approx(0.25)
    # A week cut short by a stockout says nothing of demand: its (misleading) surprise is not read.
    censored = sales.copy()
    censored.loc[0, ["units", "censored"]] = [0.0, True]
    assert learn_revision_elasticity(snapshots, censored) == (pytest.approx(0.25), 23)
    # Too few pairs to learn from: the forecast is held as it stands.
    few = snapshots[snapshots["asin"] == "KETTLE"]
    assert learn_revision_elasticity(few, sales) == (0.0, 8) and MIN_REVISION_OBSERVATIONS > 8
