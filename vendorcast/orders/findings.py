"""What the purchase orders pull tells the vendor, each thing once: POs Amazon placed that are still not acknowledged
after the configured hours, open lines whose delivery window ends within the configured days with units not yet
received (or has ended), and the weekly OTIF digest when the account or an ASIN falls below the target. Each
finding carries the markers that the store sets once, so a repeat run finds them already told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from vendorcast.alerts.digest import ConditionAlert, ConditionItem, ConditionKind
from vendorcast.config import PurchaseOrderAlertsConfig
from vendorcast.orders.otif import OtifTally, tally_by_asin
from vendorcast.orders.store import OrderState
from vendorcast.reports.periods import period_start
from vendorcast.vocabulary.report_catalogue import ReportPeriod

# The digest names at most this many ASINs, worst first.
DIGEST_ASINS = 20


@dataclass(frozen=True)
class Finding:
    marker: str  # set once in the store: the finding is told only when it is new
    item: ConditionItem


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def unacknowledged(orders: list[OrderState], now: datetime, hours: int) -> list[Finding]:
    """Open POs placed at least `hours` ago that no read has shown acknowledged."""
    if hours <= 0:
        return []
    out = []
    for order in orders:
        if order.acknowledged or order.closed or now - order.placed_at < timedelta(hours=hours):
            continue
        units = sum(line.ordered or 0 for line in order.lines.values())
        age = (now - order.placed_at).total_seconds() / 3600
        detail = (f"placed {_when(order.placed_at)} ({age:.0f} h ago), {len(order.lines)} line(s), {units:,} units"
                  + (f", ship to {order.ship_to}" if order.ship_to else ""))
        out.append(Finding(f"unacknowledged#{order.number}", ConditionItem(order.number, None, detail)))
    return out


def at_risk(orders: list[OrderState], now: datetime, days: int) -> list[Finding]:
    """Open lines with units still to deliver whose delivery window ends within `days` (or has ended)."""
    if days <= 0:
        return []
    out = []
    for order in orders:
        end = order.window_ends_at
        if order.closed or end is None or end - now > timedelta(days=days):
            continue
        for sequence, line in sorted(order.lines.items(), key=lambda i: int(i[0]) if i[0].isdigit() else 0):
            if line.to_deliver <= 0 or line.accepted == 0:
                continue
            left = (end - now).total_seconds() / 86400
            timing = f"window ends {_when(end)}, in {left:.1f} days" if left >= 0 else \
                f"window ended {_when(end)}, {-left:.1f} days ago"
            detail = (f"{line.asin or '(no ASIN)'}: {line.to_deliver:,} of "
                      f"{line.accepted if line.accepted is not None else line.ordered or 0:,} units not received; "
                      f"{timing}" + ("" if line.accepted is not None else " (not yet confirmed)"))
            out.append(Finding(f"at_risk#{order.number}#{sequence}",
                               ConditionItem(f"{order.number} line {sequence}", None, detail)))
    return out


def last_complete_week(now: datetime) -> datetime:
    """The Sunday starting the last retail week that ended before `now` (its windows have all ended)."""
    this_week = period_start(now.date(), ReportPeriod.WEEK)
    return datetime.combine(this_week - timedelta(days=7), datetime.min.time(), tzinfo=now.tzinfo)


def otif_digest(orders: list[OrderState], week: datetime, settings: PurchaseOrderAlertsConfig
                ) -> tuple[OtifTally, list[ConditionItem]] | None:
    """The week's OTIF when the account or an ASIN (with enough ordered units) is below the target: the account's
    tally and the items to tell, worst ASIN first; None when all is well or the week had no PO lines."""
    if settings.otif_threshold <= 0:
        return None
    total, by_asin = tally_by_asin(orders)
    if not total.ordered:
        return None
    below = sorted(((asin, tally) for asin, tally in by_asin.items()
                    if tally.ordered >= settings.otif_min_units and (tally.otif_rate or 0) < settings.otif_threshold),
                   key=lambda item: (item[1].otif_rate or 0, item[0]))
    account_below = (total.otif_rate or 0) < settings.otif_threshold
    if not below and not account_below:
        return None
    items = [ConditionItem("account", None, _tally_text(total))]
    items += [ConditionItem(asin, None, _tally_text(tally)) for asin, tally in below[:DIGEST_ASINS]]
    if len(below) > DIGEST_ASINS:
        items.append(ConditionItem("...", None, f"and {len(below) - DIGEST_ASINS} more ASINs below target "
                                                "(v_otif_weekly has them all)"))
    return total, items


def _tally_text(tally: OtifTally) -> str:
    return (f"OTIF {tally.otif_rate or 0:.0%} ({tally.on_time_in_full:,} of {tally.ordered:,} ordered units on time "
            f"and in full), fill rate {tally.fill_rate or 0:.0%}, confirmed {tally.confirmation_rate or 0:.0%}")


def condition(kind: ConditionKind, account: str, marketplace_id: str, summary: str,
              items: list[ConditionItem], week: datetime | None = None) -> ConditionAlert:
    return ConditionAlert(kind=kind, account=account, marketplace_id=marketplace_id, summary=summary,
                          items=tuple(items), week=week.date() if week else None)


__all__ = ["DIGEST_ASINS", "Finding", "at_risk", "condition", "last_complete_week", "otif_digest", "unacknowledged"]
