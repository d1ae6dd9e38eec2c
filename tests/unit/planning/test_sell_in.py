"""Amazon's order-up-to behaviour replayed by hand: cover, lead time, case packs, open POs; its cover learned from
its past orders; and the summary's quantiles never cross and are never negative."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vendorcast.planning.sell_in import AmazonPosition, learn_cover_weeks, replay_amazon_orders, summarize


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
    weeks = pd.date_range("2026-10-04", periods=5, freq="7D")
    # KETTLE: 10 a week forecast; each Monday it orders 30 with 10 on hand and 0 open: 40 units = 4 weeks.
    # MUG orders once (20 with 5 on hand and 5 open, forecast 5 a week: 6 weeks): too few orders of its own, so it
    # gets the median over every order, 4 weeks.
    orders = pd.DataFrame([{**key, "asin": "KETTLE", "week_start": w, "ordered_units": 30.0} for w in weeks[1:]]
                          + [{**key, "asin": "MUG", "week_start": weeks[1], "ordered_units": 20.0}])
    positions = pd.DataFrame([{**key, "asin": "KETTLE", "week_start": w, "on_hand": 10.0, "open_po_units": 0.0}
                              for w in weeks[:-1]]
                             + [{**key, "asin": "MUG", "week_start": weeks[0], "on_hand": 5.0, "open_po_units": 5.0}])
    snapshots = pd.DataFrame([{**key, "asin": asin, "generated_on": g, "week_start": g + pd.Timedelta(weeks=k),
                               "mean": mean} for asin, mean in (("KETTLE", 10.0), ("MUG", 5.0))
                              for g in weeks for k in range(8)])

    learned = learn_cover_weeks(orders, positions, snapshots).set_index("asin")

    assert learned.loc["KETTLE", "cover_weeks"] == 4.0 and learned.loc["KETTLE", "observations"] == 4
    assert learned.loc["MUG", "cover_weeks"] == 4.0 and learned.loc["MUG", "observations"] == 1
