import itertools
import re
from datetime import date, timedelta

import jsonschema
import pyarrow as pa
import pytest

from vendorcast.reports.periods import periods_between
from vendorcast.sandbox.documents import build_report_document, expected_by_asin_rows, truth_schema
from vendorcast.sandbox.restatements import FINAL_AFTER_DAYS
from vendorcast.vocabulary.report_catalogue import REPORT_CATALOGUE, ReportType

MARKETPLACE = "ATVPDKIKX0DER"
SERVED = (
    ReportType.SALES,
    ReportType.TRAFFIC,
    ReportType.INVENTORY,
    ReportType.NET_PURE_PRODUCT_MARGIN,
    ReportType.FORECASTING,
)
# An aligned window per period, in the simulated history, with preliminary figures (updated 3 days later).
WINDOWS = {
    None: (date(2025, 3, 2), date(2025, 3, 8)),
    "DAY": (date(2025, 3, 1), date(2025, 3, 15)),
    "WEEK": (date(2025, 1, 5), date(2025, 3, 29)),
    "MONTH": (date(2025, 1, 1), date(2025, 3, 31)),
    "QUARTER": (date(2024, 1, 1), date(2024, 12, 31)),
    "YEAR": (date(2024, 1, 1), date(2024, 12, 31)),
}


def _combinations():
    for report_type in SERVED:
        spec = REPORT_CATALOGUE[report_type]
        names = list(spec.options)
        for values in itertools.product(*(spec.options[n] for n in names)):
            options = dict(zip(names, values, strict=True))
            yield pytest.param(report_type, options, id=f"{report_type.name}-{'-'.join(values)}")


def _window(options):
    start, end = WINDOWS[options.get("reportPeriod")]
    return start, end, end + timedelta(days=3)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower().replace("aged90_", "aged_90_")


def document_table(document: dict, report_type: ReportType) -> pa.Table:
    """The by-ASIN rows of a served document, read the way a consumer would, as the truth's schema."""
    schema = truth_schema(report_type)
    rows = []
    for row in document[REPORT_CATALOGUE[report_type].by_asin_key]:
        out = {name: None for name in schema.names}
        for key, value in row.items():
            if isinstance(value, dict):
                out[_snake(key)] = value["amount"]
                out["currency_code"] = value["currencyCode"]
            else:
                out[_snake(key)] = date.fromisoformat(value) if key.endswith("Date") else value
        rows.append(out)
    return pa.Table.from_pylist(rows, schema=schema)


@pytest.mark.parametrize("report_type, options", list(_combinations()))
def test_documents_validate_against_amazons_schema(sim, report_type, options):
    start, end, updated = _window(options)
    document = build_report_document(sim, report_type, options, MARKETPLACE, start, end, updated)
    schema = REPORT_CATALOGUE[report_type].json_schema()
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = list(validator.iter_errors(document))
    assert not errors, errors[0]
    # The schemas allow extra properties, so a misspelt field would pass: every field must be a known one.
    definitions = schema["definitions"].values()
    known = {name for definition in definitions for name in definition.get("properties", {})}
    rows = [row for key, value in document.items() if key != "reportSpecification" for row in value]
    assert rows
    assert {key for row in rows for key in row} <= known
    specification = schema["properties"]["reportSpecification"]["properties"]
    assert set(document["reportSpecification"]) <= set(specification)


@pytest.mark.parametrize("report_type, options", list(_combinations()))
def test_documents_equal_the_expected_rows(sim, report_type, options):
    start, end, updated = _window(options)
    document = build_report_document(sim, report_type, options, MARKETPLACE, start, end, updated)
    expected = expected_by_asin_rows(sim, report_type, options, MARKETPLACE, start, end, updated)
    assert expected.schema == truth_schema(report_type)
    served = document_table(document, report_type)
    assert served.num_rows == expected.num_rows
    if report_type != ReportType.SALES or options["sellingProgram"] != "FRESH":
        assert served.num_rows > 0
    assert served.to_pylist() == expected.to_pylist()


def test_one_aggregate_row_per_period_and_one_row_per_period_and_active_asin(sim):
    options = {"reportPeriod": "WEEK", "distributorView": "MANUFACTURING", "sellingProgram": "RETAIL"}
    start, end = date(2025, 1, 5), date(2025, 3, 29)
    document = build_report_document(
        sim, "GET_VENDOR_SALES_REPORT", options, MARKETPLACE, start, end, date(2025, 5, 1)
    )
    periods = periods_between(start, end, "WEEK")
    assert [(r["startDate"], r["endDate"]) for r in document["salesAggregate"]] == [
        (s.isoformat(), e.isoformat()) for s, e in periods
    ]
    for first, last in periods:
        active = sim.active[sim.day_index(first) : sim.day_index(last) + 1].any(axis=0)
        rows = [r for r in document["salesByAsin"] if r["startDate"] == first.isoformat()]
        assert [r["asin"] for r in rows] == [a for a, on in zip(sim.asins, active, strict=True) if on]
        aggregate = next(r for r in document["salesAggregate"] if r["startDate"] == first.isoformat())
        assert aggregate["shippedUnits"] == sum(r["shippedUnits"] for r in rows)
        assert aggregate["orderedRevenue"]["amount"] == pytest.approx(
            sum(r["orderedRevenue"]["amount"] for r in rows), abs=0.01
        )


def test_sourcing_has_no_ordered_figures_and_fresh_no_returns(sim):
    start, end = date(2025, 3, 2), date(2025, 3, 8)
    sourcing = {"reportPeriod": "WEEK", "distributorView": "SOURCING", "sellingProgram": "RETAIL"}
    document = build_report_document(
        sim, "GET_VENDOR_SALES_REPORT", sourcing, MARKETPLACE, start, end, date(2025, 4, 1)
    )
    for row in document["salesByAsin"] + document["salesAggregate"]:
        assert "orderedUnits" not in row and "orderedRevenue" not in row
        assert "customerReturns" in row
    truth = expected_by_asin_rows(
        sim, "GET_VENDOR_SALES_REPORT", sourcing, MARKETPLACE, start, end, date(2025, 4, 1)
    )
    assert truth.column("ordered_units").null_count == truth.num_rows
    fresh = {"reportPeriod": "WEEK", "distributorView": "MANUFACTURING", "sellingProgram": "FRESH"}
    document = build_report_document(
        sim, "GET_VENDOR_SALES_REPORT", fresh, MARKETPLACE, start, end, date(2025, 4, 1)
    )
    for row in document["salesByAsin"] + document["salesAggregate"]:
        assert "customerReturns" not in row and "orderedUnits" in row


def test_day_figures_add_up_to_the_week_once_final(sim):
    options = {"reportPeriod": "DAY", "distributorView": "SOURCING", "sellingProgram": "BUSINESS"}
    updated = date(2025, 6, 1)
    days = build_report_document(
        sim, "GET_VENDOR_SALES_REPORT", options, MARKETPLACE, date(2025, 3, 2), date(2025, 3, 8), updated
    )
    week = build_report_document(
        sim,
        "GET_VENDOR_SALES_REPORT",
        {**options, "reportPeriod": "WEEK"},
        MARKETPLACE,
        date(2025, 3, 2),
        date(2025, 3, 8),
        updated,
    )
    assert sum(r["shippedUnits"] for r in days["salesAggregate"]) == week["salesAggregate"][0]["shippedUnits"]
    assert (
        sum(r["customerReturns"] for r in days["salesByAsin"]) == week["salesAggregate"][0]["customerReturns"]
    )


def test_recent_periods_are_restated_until_final(sim):
    options = {"reportPeriod": "WEEK"}
    start, end = date(2025, 3, 2), date(2025, 3, 8)

    def views(updated):
        table = expected_by_asin_rows(
            sim, "GET_VENDOR_TRAFFIC_REPORT", options, MARKETPLACE, start, end, updated
        )
        return table.column("glance_views").to_pylist()

    preliminary = views(end + timedelta(days=3))
    final = views(end + timedelta(days=FINAL_AFTER_DAYS))
    assert preliminary != final
    assert final == views(end + timedelta(days=90))
    assert sum(preliminary) == pytest.approx(sum(final), rel=0.05)
    first, last = sim.day_index(start), sim.day_index(end)
    active = sim.active[first : last + 1].any(axis=0)
    assert final == sim.glance_views[first : last + 1].sum(axis=0)[active].tolist()


def test_inventory_leaves_undefined_rates_out(sim):
    options = {"reportPeriod": "DAY", "distributorView": "MANUFACTURING", "sellingProgram": "RETAIL"}
    start, end = date(2025, 3, 1), date(2025, 3, 15)
    document = build_report_document(
        sim, "GET_VENDOR_INVENTORY_REPORT", options, MARKETPLACE, start, end, date(2025, 4, 1)
    )
    rows = document["inventoryByAsin"]
    # Purchase orders go out on Mondays only, so most days have no confirmation rate.
    assert any("vendorConfirmationRate" not in r for r in rows)
    assert any("vendorConfirmationRate" in r for r in rows)
    assert all("sellableOnHandInventoryUnits" in r and "uft" in r for r in rows)


def test_forecast_is_the_latest_sunday_generation_with_26_weekly_buckets(sim):
    updated = date(2025, 4, 2)  # a Wednesday
    options = {"sellingProgram": "RETAIL"}
    document = build_report_document(
        sim, "GET_VENDOR_FORECASTING_REPORT", options, MARKETPLACE, None, None, updated
    )
    specification = document["reportSpecification"]
    assert "dataStartTime" not in specification and specification["lastUpdatedDate"] == "2025-04-02"
    rows = document["forecastByAsin"]
    assert {r["forecastGenerationDate"] for r in rows} == {"2025-03-30"}
    by_asin: dict[str, list[dict]] = {}
    for row in rows:
        by_asin.setdefault(row["asin"], []).append(row)
    assert all(len(weeks) == 26 for weeks in by_asin.values())
    for weeks in by_asin.values():
        starts = [date.fromisoformat(w["startDate"]) for w in weeks]
        assert starts[0] == date(2025, 3, 30)
        assert all(s.weekday() == 6 for s in starts)
        assert all(
            date.fromisoformat(w["endDate"]) - s == timedelta(days=6)
            for w, s in zip(weeks, starts, strict=True)
        )
        for w in weeks:
            assert (
                w["meanForecastUnits"]
                <= w["p70ForecastUnits"]
                <= w["p80ForecastUnits"]
                <= w["p90ForecastUnits"]
            )


def test_documents_are_for_the_vendors_marketplace_only(sim):
    with pytest.raises(ValueError, match="marketplace"):
        build_report_document(
            sim,
            "GET_VENDOR_TRAFFIC_REPORT",
            {"reportPeriod": "DAY"},
            "A1PA6795UKMFR9",
            date(2025, 3, 1),
            date(2025, 3, 1),
            date(2025, 3, 5),
        )
