"""Amazon's order-up-to behaviour replayed by hand: cover, lead time, case packs, open POs; and the summary's
quantiles never cross and are never negative."""

from __future__ import annotations

import numpy as np

from vendorcast.planning.sell_in import AmazonPosition, replay_amazon_orders, summarize


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
