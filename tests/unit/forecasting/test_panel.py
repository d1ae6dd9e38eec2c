"""The panel: a history is checked at the edge with one message naming what to fix, and its dense form keeps
unknown weeks unknown, shares one weekly grid across shards, and lets the future file add only planned values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vendorcast.forecasting.panel import PanelError, attach_snapshots, check_future, check_history, to_dense

FIRST = pd.Timestamp("2024-01-07")  # a Sunday


def _rows(item: str, weeks: range, units: float = 5.0, **columns: float) -> list[dict]:
    return [{"item_id": item, "week_start": FIRST + pd.Timedelta(weeks=w), "units": units, **columns} for w in weeks]


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f.drop(columns="units"), "missing column.*units"),
    (lambda f: f.assign(units="many"), "units must be numbers"),
    (lambda f: pd.concat([f, f.iloc[:1]]), "item a has week 2024-01-07 more than once"),
    (lambda f: f.assign(week_start=f["week_start"] + pd.to_timedelta(np.arange(len(f)) % 2, unit="D")),
     "different weekdays"),
    (lambda f: f.assign(colour="red"), "column colour is not numeric"),
])
def test_a_bad_history_gets_one_message_naming_the_fix(change, message) -> None:
    history = pd.DataFrame(_rows("a", range(4)) + _rows("b", range(4)))
    with pytest.raises(PanelError, match=message):
        check_history(change(history))


def test_a_negative_week_is_kept_as_data() -> None:
    # Returns above a week's sales make real retail weeks negative: the panel keeps them, unchanged.
    history = pd.DataFrame(_rows("a", range(3)) + _rows("a", [3], units=-4.5))
    panel = to_dense(check_history(history))
    assert panel.units[0].tolist() == [5.0, 5.0, 5.0, -4.5]


def test_unknown_weeks_stay_unknown_and_launches_are_found() -> None:
    history = pd.DataFrame(_rows("a", [0, 1, 3]) + _rows("b", [2, 3], units=0.0))
    panel = to_dense(check_history(history))
    assert panel.items.tolist() == ["a", "b"]
    assert np.isnan(panel.units[0, 2]) and panel.units[1, 3] == 0.0  # a missing week is not a zero week
    assert panel.first_week.tolist() == [0, 2]
    assert panel.history_weeks == panel.n_weeks == 4


def test_shards_share_one_grid() -> None:
    """Two shards built with the same start and end have the same week indices, whatever their own first week."""
    late = to_dense(check_history(pd.DataFrame(_rows("late", range(5, 8)))), horizon=2,
                    end=FIRST + pd.Timedelta(weeks=9), start=FIRST)
    assert late.n_weeks == 12 and late.history_weeks == 10 and late.first_week.tolist() == [5]
    assert late.week_index(FIRST + pd.Timedelta(weeks=5)) == 5


def test_the_future_adds_planned_values_only_where_the_history_has_none() -> None:
    history = check_history(pd.DataFrame(_rows("a", range(6), price=10.0) + _rows("b", range(6), price=4.0)))
    future = check_future(pd.DataFrame([{"item_id": "a", "week_start": FIRST + pd.Timedelta(weeks=w), "price": 8.0}
                                        for w in (5, 6, 7)]), ["price"])
    panel = to_dense(history, future, horizon=2)
    assert panel.covariates["price"][0].tolist() == [10.0] * 6 + [8.0, 8.0]  # week 5 is history: it wins
    assert np.isnan(panel.covariates["price"][1, 6:]).all()  # b has no plan: unknown, not last known
    assert panel.known_covariates == {"price"}
    with pytest.raises(PanelError, match="not covariates of the history"):
        check_future(future.assign(promotion=1.0), ["price"])


def test_a_snapshot_is_available_from_the_week_after_it_was_made() -> None:
    panel = to_dense(check_history(pd.DataFrame(_rows("a", range(6)))))
    attach_snapshots(panel, pd.DataFrame({
        "item_id": ["a", "a", "unknown"],
        "generated_on": [FIRST + pd.Timedelta(days=1), FIRST + pd.Timedelta(weeks=2), FIRST],
        "week_start": [FIRST + pd.Timedelta(weeks=3)] * 3, "mean": [1.0, 2.0, 3.0], "p90": [2.0, 3.0, 4.0]}))
    assert panel.snapshots is not None
    assert panel.snapshots["available_from"].tolist() == [1, 3]  # made on a Monday of week 0, on Sunday of week 2
    assert panel.snapshots["target"].tolist() == [3, 3]
