from datetime import UTC, date, datetime, timedelta

import pytest

from vendorcast.sandbox.report_rules import (
    NOT_YET_AVAILABLE,
    ReportRejected,
    ReportRequest,
    amazon_report_types,
    check_report_request,
    period_containing,
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
    return check_report_request(request, (MARKETPLACE,), now)


def test_a_valid_request_passes():
    assert check().report_type == "GET_VENDOR_SALES_REPORT"


def test_the_rules_come_from_amazons_schemas():
    types = amazon_report_types()
    sales = types["GET_VENDOR_SALES_REPORT"]
    assert sales.options["sellingProgram"] == ("RETAIL", "BUSINESS", "FRESH")
    assert set(sales.required_options) == {"reportPeriod", "distributorView", "sellingProgram"}
    assert (sales.aggregate_key, sales.by_asin_key, sales.dated) == ("salesAggregate", "salesByAsin", True)
    assert types["GET_VENDOR_INVENTORY_REPORT"].options["sellingProgram"] == ("RETAIL", "FRESH")
    forecast = types["GET_VENDOR_FORECASTING_REPORT"]
    assert (forecast.aggregate_key, forecast.by_asin_key, forecast.dated) == (None, "forecastByAsin", False)
    assert types["GET_VENDOR_REAL_TIME_SALES_REPORT"].by_asin_key == "reportData"


@pytest.mark.parametrize("day, period, first, last", [
    (date(2025, 12, 31), "WEEK", date(2025, 12, 28), date(2026, 1, 3)),  # a week across the year end
    (date(2025, 6, 1), "WEEK", date(2025, 6, 1), date(2025, 6, 7)),  # a Sunday starts its week
    (date(2025, 6, 7), "WEEK", date(2025, 6, 1), date(2025, 6, 7)),  # a Saturday ends it
    (date(2024, 2, 10), "MONTH", date(2024, 2, 1), date(2024, 2, 29)),  # leap February
    (date(2025, 5, 15), "QUARTER", date(2025, 4, 1), date(2025, 6, 30)),
    (date(2025, 12, 31), "QUARTER", date(2025, 10, 1), date(2025, 12, 31)),
    (date(2025, 7, 4), "YEAR", date(2025, 1, 1), date(2025, 12, 31)),
    (date(2025, 7, 4), "DAY", date(2025, 7, 4), date(2025, 7, 4)),
])
def test_periods_follow_amazons_calendar(day, period, first, last):
    assert period_containing(day, period) == (first, last)


def test_a_request_may_span_many_periods():
    # Amazon states no maximum span (reference §3.0); the pipeline's own limits are its choice, not Amazon's rule.
    check(start=date(2024, 12, 29), end=date(2025, 6, 7))


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


@pytest.mark.parametrize("period, start, end", [
    ("WEEK", date(2025, 6, 8), date(2025, 6, 14)),
    ("DAY", date(2025, 6, 14), date(2025, 6, 14)),
    ("MONTH", date(2025, 5, 1), date(2025, 5, 31)),
])
def test_data_not_yet_available_fails(period, start, end):
    # Published up to ~72 h after the period closes (reference §3.0): a period ending on a Saturday (closing at
    # Sunday 00:00) is there from Wednesday 00:00, not a minute before.
    options = {**SALES_WEEK, "reportPeriod": period}
    published = datetime.combine(end, datetime.min.time(), UTC) + timedelta(days=4)
    with pytest.raises(ReportRejected, match=NOT_YET_AVAILABLE):
        check(options=options, start=start, end=end, now=published - timedelta(minutes=1))
    check(options=options, start=start, end=end, now=published)


def test_older_than_the_look_back_fails():
    with pytest.raises(ReportRejected, match="older than the data retention"):
        check(
            options={"reportPeriod": "DAY"},
            report_type="GET_VENDOR_TRAFFIC_REPORT",
            start=date(2021, 6, 1),
            end=date(2021, 6, 1),
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
