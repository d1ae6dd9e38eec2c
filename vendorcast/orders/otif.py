"""On-Time-In-Full of PO lines, as docs/otif.md defines it (the view v_otif_weekly computes the same in SQL; a test
holds both to an independent computation from the emulator's truth):

- in full: the line was confirmed and Amazon received at least what was confirmed (received >= accepted);
- on time: its last receipt is no later than the end of the delivery window;
- OTIF units: the units received on lines that are on time and in full; OTIF rate = OTIF units / ordered units;
- fill rate = received / ordered; confirmation rate = accepted / ordered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from vendorcast.orders.store import LineState, OrderState


@dataclass
class OtifTally:
    ordered: int = 0
    accepted: int = 0
    received: int = 0
    on_time_in_full: int = 0

    def add(self, line: LineState, window_end: datetime | None) -> None:
        ordered = line.ordered or 0
        accepted = line.accepted or 0
        self.ordered += ordered
        self.accepted += accepted
        self.received += line.received
        if line_is_on_time_in_full(line, window_end):
            self.on_time_in_full += line.received

    @property
    def otif_rate(self) -> float | None:
        return self.on_time_in_full / self.ordered if self.ordered else None

    @property
    def fill_rate(self) -> float | None:
        return self.received / self.ordered if self.ordered else None

    @property
    def confirmation_rate(self) -> float | None:
        return self.accepted / self.ordered if self.ordered else None


def line_is_on_time_in_full(line: LineState, window_end: datetime | None) -> bool:
    in_full = line.accepted is not None and line.received >= line.accepted
    on_time = (line.last_receive is not None and window_end is not None
               and datetime.fromisoformat(line.last_receive) <= window_end)
    return in_full and on_time


def tally_by_asin(orders: Iterable[OrderState]) -> tuple[OtifTally, dict[str, OtifTally]]:
    """The account's tally and each ASIN's, over every line of `orders`."""
    total = OtifTally()
    by_asin: dict[str, OtifTally] = {}
    for order in orders:
        for line in order.lines.values():
            total.add(line, order.window_ends_at)
            by_asin.setdefault(line.asin or "(unknown ASIN)", OtifTally()).add(line, order.window_ends_at)
    return total, by_asin


__all__ = ["OtifTally", "line_is_on_time_in_full", "tally_by_asin"]
