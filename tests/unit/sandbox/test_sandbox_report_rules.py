from datetime import UTC, date, datetime

import pytest

from vendorcast.sandbox.report_rules import (
    NOT_YET_AVAILABLE,
    ReportRejected,
    ReportRequest,
    check_report_request,
)

MARKETPLACE = "ATVPDKIKX0DER"
NOW = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)
SALES_WEEK = {"reportPeriod": "WEEK", "distributorView": "MANUFACTURING", "sellingProgram": "RETAIL"}


def check(
    report_type="GET_VENDOR_SALES_REPORT",
    options=None,
    start=date(2025, 6, 1),
    end=date(2025, 6, 14),
    marketplaces=(MARKETPLACE,),
    now=NOW,
):
    request = ReportRequest(
        report_type, tuple(marketplaces), SALES_WEEK if options is None else options, start, end
    )
    return check_report_request(request, MARKETPLACE, now)


def test_a_valid_request_passes():
    assert check().report_type == "GET_VENDOR_SALES_REPORT"


@pytest.mark.parametrize(
    "start, end, reason",
    [
        (
            date(2025, 6, 2),
            date(2025, 6, 14),
            "dataStartTime 2025-06-02 for reportPeriod=WEEK: it must be a Sunday",
        ),
        (
            date(2025, 6, 1),
            date(2025, 6, 13),
            "dataEndTime 2025-06-13 for reportPeriod=WEEK: it must be a Saturday",
        ),
    ],
)
def test_misaligned_weeks_fail(start, end, reason):
    with pytest.raises(ReportRejected, match=reason):
        check(start=start, end=end)


def test_misaligned_months_fail():
    options = {**SALES_WEEK, "reportPeriod": "MONTH"}
    with pytest.raises(ReportRejected, match="first day of a month"):
        check(options=options, start=date(2025, 4, 2), end=date(2025, 4, 30))
    check(options=options, start=date(2025, 4, 1), end=date(2025, 5, 31))


def test_business_inventory_fails_with_the_allowed_values():
    options = {**SALES_WEEK, "sellingProgram": "BUSINESS"}
    with pytest.raises(ReportRejected, match="does not accept sellingProgram=BUSINESS; use RETAIL or FRESH"):
        check("GET_VENDOR_INVENTORY_REPORT", options)


def test_missing_options_fail():
    with pytest.raises(ReportRejected, match="requires reportOptions distributorView"):
        check(options={"reportPeriod": "WEEK", "sellingProgram": "RETAIL"})


def test_options_sent_as_a_list_fail():
    with pytest.raises(ReportRejected, match="JSON object whose values are strings"):
        check(options=[{"reportPeriod": "WEEK"}])


def test_data_not_yet_available_fails():
    # Week ending Saturday 2025-06-14 is published 48 h after it closes: from Tuesday 2025-06-17 00:00.
    with pytest.raises(ReportRejected, match=NOT_YET_AVAILABLE):
        check(start=date(2025, 6, 8), end=date(2025, 6, 14), now=datetime(2025, 6, 16, 23, 0, tzinfo=UTC))
    check(start=date(2025, 6, 8), end=date(2025, 6, 14), now=datetime(2025, 6, 17, 0, 0, tzinfo=UTC))


def test_too_many_periods_fail():
    with pytest.raises(ReportRejected, match=r"spans 14 WEEK periods.*at most 13"):
        check(start=date(2025, 3, 2), end=date(2025, 6, 7))


def test_older_than_the_look_back_fails():
    with pytest.raises(ReportRejected, match="older than the data retention"):
        check(
            options={"reportPeriod": "DAY"},
            report_type="GET_VENDOR_TRAFFIC_REPORT",
            start=date(2022, 6, 1),
            end=date(2022, 6, 1),
        )


def test_another_marketplace_fails():
    with pytest.raises(ReportRejected, match="do not match the marketplace"):
        check(marketplaces=("A1PA6795UKMFR9",))
    with pytest.raises(ReportRejected, match="do not match the marketplace"):
        check(marketplaces=(MARKETPLACE, "A2EUQ1WTGCTBG2"))


def test_forecasting_ignores_dates():
    spec = check(
        "GET_VENDOR_FORECASTING_REPORT",
        {"sellingProgram": "RETAIL"},
        start=date(2025, 6, 18),
        end=date(2025, 6, 2),
    )
    assert not spec.dated


def test_real_time_reports_are_not_served():
    with pytest.raises(ReportRejected, match="not available"):
        check("GET_VENDOR_REAL_TIME_SALES_REPORT", {})
