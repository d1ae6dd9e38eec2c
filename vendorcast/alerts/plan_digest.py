"""The plan's e-mails (published by the forecast workflow to the alert topic after Plan): the weekly plan digest
(what to start this week, what to confirm on Amazon's open POs, the vendor input rows that could not be used) and
the alert for ASINs whose expected fill rate falls below the target."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from vendorcast.alerts.topic import sns_subject

# Lines listed per section: an e-mail a planner reads, not a table dump (the views hold every row).
LISTED_LINES = 15
LISTED_PROBLEMS = 30


@dataclass(frozen=True)
class StartLine:
    """One ASIN's decision of the week: units to start, when they arrive, why."""

    asin: str
    start_units: float
    arrival_week_start: date
    reason: str


@dataclass(frozen=True)
class ConfirmLine:
    """One open PO line confirmed short: ordered vs to confirm, why."""

    purchase_order_number: str
    asin: str
    ordered_units: float
    confirm_units: float
    reason: str


@dataclass(frozen=True)
class BelowTargetLine:
    """One ASIN whose expected fill rate in the decision week is below the target."""

    asin: str
    expected_fill_rate: float
    expected_orders_units: float
    projected_on_hand_units: float
    reason: str


@dataclass(frozen=True)
class PlanDigest:
    """What the digest and the alert say, taken from one run's plan (vendorcast.forecasting.plan_step)."""

    run_id: str
    origin: date
    fill_rate_target: float
    asins_planned: int
    units_to_start: float
    asins_to_start: int
    open_lines_advised: int
    units_ordered: float
    units_to_confirm: float
    asins_defaulted: int  # ASINs planned with at least one input taken from the config's defaults
    starts: list[StartLine] = field(default_factory=list)  # largest first
    short_confirmations: list[ConfirmLine] = field(default_factory=list)  # largest shortfall first
    below_target: list[BelowTargetLine] = field(default_factory=list)  # lowest fill first
    problems: list[str] = field(default_factory=list)  # vendor input rows not used, each naming file, row, field


def _units(value: float) -> str:
    return f"{value:,.0f}"


def _more(total: int, listed: int, what: str) -> list[str]:
    return [f"  ... and {total - listed} more {what} (query below)"] if total > listed else []


def render_plan_digest(digest: PlanDigest) -> tuple[str, str]:
    """(subject, message) of the weekly plan digest."""
    # The count below target before the figures SNS may cut (subjects end at 99 characters).
    below = f"{len(digest.below_target)} below fill target; " if digest.below_target else ""
    subject = (f"vendorcast plan {digest.origin}: {below}start {_units(digest.units_to_start)} units on "
               f"{digest.asins_to_start} ASINs, confirm {_units(digest.units_to_confirm)} of "
               f"{_units(digest.units_ordered)}")
    lines = [
        f"The vendorcast plan of forecast run {digest.run_id}, for the week starting {digest.origin}.",
        "",
        f"ASINs planned: {digest.asins_planned} ({digest.asins_defaulted} with some vendor input taken from the "
        "config's [planning] defaults).",
        "",
        f"Start this week: {_units(digest.units_to_start)} units on {digest.asins_to_start} ASINs.",
    ]
    lines += [f"  {s.asin}: start {_units(s.start_units)}, available from {s.arrival_week_start}. {s.reason}"
              for s in digest.starts[:LISTED_LINES]]
    lines += _more(len(digest.starts), LISTED_LINES, "ASINs to start")
    lines += [
        "",
        f"Amazon's open PO lines: {digest.open_lines_advised}; confirm {_units(digest.units_to_confirm)} of "
        f"{_units(digest.units_ordered)} units ordered.",
    ]
    if digest.short_confirmations:
        lines.append("Lines to confirm short (what is confirmed can ship in full within the window):")
        lines += [f"  PO {c.purchase_order_number} {c.asin}: confirm {_units(c.confirm_units)} of "
                  f"{_units(c.ordered_units)}. {c.reason}" for c in digest.short_confirmations[:LISTED_LINES]]
        lines += _more(len(digest.short_confirmations), LISTED_LINES, "short lines")
    lines += ["", f"Expected fill rate below the target of {digest.fill_rate_target:.0%}: "
                  f"{len(digest.below_target) or 'none'}."]
    lines += [_below_target_line(b) for b in digest.below_target[:LISTED_LINES]]
    lines += _more(len(digest.below_target), LISTED_LINES, "ASINs below target")
    lines += ["", f"Vendor input problems: {len(digest.problems) or 'none'}."]
    if digest.problems:
        lines.append("These rows were not used (their ASINs were planned on the config's defaults); fix them in "
                     "the files under inputs/supply/ and the next run reads them:")
        lines += [f"  {problem}" for problem in digest.problems[:LISTED_PROBLEMS]]
        lines += _more(len(digest.problems), LISTED_PROBLEMS, "problems")
    lines += ["", "Query: SELECT * FROM v_supply_plan_latest WHERE horizon = 1; SELECT * FROM v_po_advice_open "
                  "(Athena workgroup of this deployment)."]
    return sns_subject(subject), "\n".join(lines)


def _below_target_line(line: BelowTargetLine) -> str:
    return (f"  {line.asin}: expected fill {line.expected_fill_rate:.0%} of {_units(line.expected_orders_units)} "
            f"units Amazon is expected to order, {_units(line.projected_on_hand_units)} projected on hand. "
            f"{line.reason}")


def render_fill_alert(digest: PlanDigest) -> tuple[str, str]:
    """(subject, message) of the alert for the ASINs below the fill-rate target (only sent when there are some)."""
    count = len(digest.below_target)
    subject = (f"vendorcast ALERT: {count} ASIN{'s' if count != 1 else ''} below the "
               f"{digest.fill_rate_target:.0%} fill target in the week of {digest.origin}")
    lines = [
        f"The plan of forecast run {digest.run_id} expects these ASINs to ship less than "
        f"{digest.fill_rate_target:.0%} of what Amazon orders in the week starting {digest.origin}, even with "
        "this week's starts: stock cannot arrive sooner than the lead time.",
        "",
    ]
    lines += [_below_target_line(b) for b in digest.below_target[:LISTED_LINES]]
    lines += _more(count, LISTED_LINES, "ASINs")
    lines += ["", "What to do: expedite production or a supplier order, confirm Amazon's open lines to what can "
                  "ship in full (v_po_advice_open), or lower fill_rate_target in [planning] if this is accepted.",
              "Query: SELECT * FROM v_supply_plan_latest WHERE horizon = 1 AND expected_fill_rate < "
              f"{digest.fill_rate_target:g}."]
    return sns_subject(subject), "\n".join(lines)


__all__ = ["BelowTargetLine", "ConfirmLine", "PlanDigest", "StartLine", "render_fill_alert", "render_plan_digest"]
