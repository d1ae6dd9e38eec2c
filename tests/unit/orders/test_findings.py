"""The PO alerts' rules on hand-made PO states: who is late to acknowledge, which lines are due with units missing,
and the weekly OTIF digest's figures computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from vendorcast.config import PurchaseOrderAlertsConfig
from vendorcast.orders.findings import at_risk, last_complete_week, otif_digest, unacknowledged
from vendorcast.orders.otif import tally_by_asin
from vendorcast.orders.store import LineState, OrderState, merge_header, merge_status

NOW = datetime(2026, 6, 10, 3, tzinfo=UTC)  # a Wednesday


def order(number: str, placed: str, window_end: str | None, acknowledged: bool = True, closed: bool = False,
          **lines: LineState) -> OrderState:
    return OrderState(number, placed, window_end, acknowledged=acknowledged, closed=closed,
                      lines={k.removeprefix("l"): v for k, v in lines.items()})


def test_unacknowledged_after_the_configured_hours_only() -> None:
    orders = [
        order("OLD", "2026-06-07T08:00:00+00:00", None, acknowledged=False, l1=LineState("A", 12)),
        order("YOUNG", "2026-06-09T08:00:00+00:00", None, acknowledged=False, l1=LineState("A", 12)),
        order("DONE", "2026-06-01T08:00:00+00:00", None, acknowledged=True, l1=LineState("A", 12)),
    ]
    found = unacknowledged(orders, NOW, hours=48)
    assert [f.item.key for f in found] == ["OLD"]
    assert found[0].marker == "unacknowledged#OLD"
    assert unacknowledged(orders, NOW, hours=0) == []


def test_at_risk_lines_are_due_within_the_days_with_units_to_deliver() -> None:
    orders = [order("P1", "2026-06-01T08:00:00+00:00", "2026-06-12T07:00:00+00:00",
                    l1=LineState("A", 120, 96, 60),  # 36 still to come, due in 2.2 days
                    l2=LineState("B", 24, 24, 24),  # delivered in full
                    l3=LineState("C", 24, 0, 0)),  # rejected: nothing expected
              order("P2", "2026-05-25T08:00:00+00:00", "2026-06-05T07:00:00+00:00",
                    l1=LineState("D", 10, None, 0)),  # late and never confirmed: 10 expected
              order("P3", "2026-06-08T08:00:00+00:00", "2026-06-20T07:00:00+00:00",
                    l1=LineState("E", 10, 10, 0))]  # not due yet
    found = at_risk(orders, NOW, days=3)
    assert [f.marker for f in found] == ["at_risk#P1#1", "at_risk#P2#1"]
    assert "36 of 96 units not received" in found[0].item.detail
    assert "ended" in found[1].item.detail and "not yet confirmed" in found[1].item.detail


def test_otif_digest_by_hand() -> None:
    end = "2026-06-05T07:00:00+00:00"
    orders = [order("P1", "2026-05-25T08:00:00+00:00", end,
                    l1=LineState("A", 100, 100, 100, "2026-06-04T16:00:00+00:00"),  # OTIF: 100
                    l2=LineState("B", 50, 40, 40, "2026-06-06T16:00:00+00:00"),  # in full but late: 0
                    l3=LineState("B", 50, 50, 30, "2026-06-03T16:00:00+00:00"))]  # on time, short: 0
    total, by_asin = tally_by_asin(orders)
    assert (total.ordered, total.accepted, total.received, total.on_time_in_full) == (200, 190, 170, 100)
    assert total.otif_rate == 0.5 and by_asin["A"].otif_rate == 1.0 and by_asin["B"].otif_rate == 0.0
    settings = PurchaseOrderAlertsConfig(otif_threshold=0.9, otif_min_units=10)
    digest = otif_digest(orders, last_complete_week(NOW), settings)
    assert digest is not None
    _, items = digest
    assert [i.key for i in items] == ["account", "B"]
    assert "OTIF 50% (100 of 200" in items[0].detail
    assert otif_digest(orders, last_complete_week(NOW), PurchaseOrderAlertsConfig(otif_threshold=0.0)) is None
    assert otif_digest(orders, last_complete_week(NOW), PurchaseOrderAlertsConfig(otif_threshold=0.4,
                                                                                  otif_min_units=101)) is None


def test_last_complete_week_is_the_sunday_before_last() -> None:
    assert last_complete_week(NOW) == datetime(2026, 5, 31, tzinfo=UTC)


def test_the_later_read_wins_whichever_feed_it_came_from() -> None:
    state = OrderState("P1", "2026-06-01T08:00:00+00:00")
    late = datetime(2026, 6, 3, tzinfo=UTC)
    early = datetime(2026, 6, 2, tzinfo=UTC)
    status_row = {"read_at": late, "purchase_order_status": "OPEN", "confirmation_status": "ACCEPTED",
                  "ship_to": "ABE8", "item_sequence_number": "1", "asin": "A", "ordered_units": 12,
                  "accepted_units": 12, "received_units": 0, "last_receive_date": None}
    merge_status(state, [status_row])
    header = {"read_at": early, "order_date": datetime(2026, 6, 1, 8, tzinfo=UTC), "ship_window_end": None,
              "delivery_window_end": datetime(2026, 6, 12, 7, tzinfo=UTC), "ship_to": "ABE8",
              "purchase_order_state": "New"}
    merge_header(state, header, [{"item_sequence_number": "1", "asin": "A", "ordered_units": 12}])
    assert state.state == "Acknowledged" and state.acknowledged  # the older header read does not undo the status
    assert state.window_end == "2026-06-12T07:00:00+00:00"
    merge_status(state, [{**status_row, "read_at": early, "purchase_order_status": "CLOSED"}])
    assert not state.closed  # an older status read changes nothing
    merge_status(state, [{**status_row, "read_at": datetime(2026, 6, 9, tzinfo=UTC),
                          "purchase_order_status": "CLOSED", "received_units": 12,
                          "last_receive_date": datetime(2026, 6, 8, 16, tzinfo=UTC)}])
    assert state.closed and state.state == "Closed" and state.lines["1"].received == 12
    assert OrderState.from_json(state.to_json()) == state
