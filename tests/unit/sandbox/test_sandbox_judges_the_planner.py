"""The pipeline's planner judged by the emulator's own rules, on many dates and every dated report stream: every
window the planner asks for must be one Amazon serves (aligned, with valid options, published). The two sides
share no code, so a wrong rule on either side shows up here as a divergence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from vendorcast.config import ReportConfig
from vendorcast.reports.windows import period_is_published, plan_report_windows
from vendorcast.sandbox.report_rules import (
    SERVED_REPORT_TYPES,
    ReportRejected,
    ReportRequest,
    check_report_request,
    published_at,
)
from vendorcast.vocabulary.report_catalogue import REPORT_CATALOGUE, ReportPeriod

MARKETPLACE = "ATVPDKIKX0DER"
# Every hour of four weeks around a year end and a month end, at odd minutes too.
MOMENTS = [datetime(2025, 12, 20, tzinfo=UTC) + timedelta(minutes=37 * n) for n in range(4 * 7 * 24 * 60 // 37)]


def streams() -> list[ReportConfig]:
    """One stream per served dated report type and period, with the first allowed value of each option."""
    out = []
    for spec in REPORT_CATALOGUE.values():
        if spec.report_type not in SERVED_REPORT_TYPES or not spec.dated:
            continue
        for period in spec.periods:
            options = {name: values[0] for name, values in spec.options.items() if name != "reportPeriod"}
            out.append(ReportConfig(report_type=spec.report_type, report_period=period,
                                    distributor_view=options.get("distributorView"),
                                    selling_program=options.get("sellingProgram")))
    return out


@pytest.mark.parametrize("period", list(ReportPeriod))
def test_the_planner_never_counts_a_period_published_before_amazon_does(period: ReportPeriod) -> None:
    too_early = []
    for now in MOMENTS:
        for back in range(0, 12):
            last_day = now.date() - timedelta(days=back)
            if period_is_published(last_day, period, now) and now < published_at(last_day):
                too_early.append(f"{period} ending {last_day} at {now:%Y-%m-%d %H:%M}")
    assert not too_early, (f"the planner treats {len(too_early)} periods as published before Amazon publishes them, "
                           f"e.g. {too_early[:3]}")


@pytest.mark.parametrize("stream", streams(), ids=lambda s: s.stream_name)
def test_every_planned_window_is_one_amazon_serves(stream: ReportConfig) -> None:
    refused = []
    for now in MOMENTS[::7]:
        for window in plan_report_windows(stream, backfill_start=date(2023, 1, 1), now=now):
            request = ReportRequest(window.report_type.value, (MARKETPLACE,), window.options, window.start,
                                    window.end)
            try:
                check_report_request(request, (MARKETPLACE,), now)
            except ReportRejected as exc:
                refused.append(f"{window.start}..{window.end} at {now:%Y-%m-%d %H:%M}: {exc}")
    assert not refused, f"{len(refused)} planned windows Amazon would refuse, e.g. {refused[:3]}"
