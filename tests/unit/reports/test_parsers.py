"""Report documents into typed tables: Amazon's own examples, the request check, broken documents, files."""

from __future__ import annotations

import copy
import gzip
import io
import json
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from vendorcast.reports.parsers import (
    DocumentLineage,
    ExpectedSpecification,
    MalformedReportDocument,
    ReportDocumentError,
    ReportSpecificationMismatch,
    parse_report_document,
    parse_report_file,
    write_parquet,
)
from vendorcast.reports.schemas import (
    LINEAGE_COLUMNS,
    REPORT_LAYOUTS,
    FieldKind,
    report_layout,
    report_schema,
    snake_case,
)
from vendorcast.reports.windows import ReportWindow
from vendorcast.vocabulary.report_catalogue import (
    REPORT_CATALOGUE,
    ReportPeriod,
    ReportType,
    UnknownReportType,
    report_spec,
)

# Chained: on Python 3.11 a namespace package's joinpath takes one part at a time.
MANUFACTURING_RETAIL_WEEK = {
    "reportPeriod": "WEEK", "distributorView": "MANUFACTURING", "sellingProgram": "RETAIL",
}
SCHEMAS = resources.files("vendorcast.spapi.models").joinpath("schemas").joinpath("reports")
LINEAGE = DocumentLineage(
    report_id="50012345678",
    request_key="acme/ATVPDKIKX0DER/GET_VENDOR_SALES_REPORT/WEEK/MANUFACTURING/RETAIL/2021-06-06..2021-06-19/"
    "initial",
    ingested_at=datetime(2021, 6, 21, 9, 30, tzinfo=UTC),
)


def _amazon_schema(file_name: str) -> dict[str, Any]:
    return json.loads(SCHEMAS.joinpath(file_name).read_text(encoding="utf-8"))


def _all_examples() -> list[tuple[str, int, dict[str, Any]]]:
    found = []
    for entry in sorted(SCHEMAS.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            for index, example in enumerate(_amazon_schema(entry.name).get("examples", [])):
                found.append((entry.name, index, example))
    return found


ALL_EXAMPLES = _all_examples()
VENDOR_EXAMPLES = [e for e in ALL_EXAMPLES if e[2]["reportSpecification"]["reportType"] in set(ReportType)]


def _example(file_name: str, index: int = 0) -> dict[str, Any]:
    return copy.deepcopy(_amazon_schema(file_name)["examples"][index])


def _sales(index: int = 0) -> dict[str, Any]:
    """0: MANUFACTURING/RETAIL, 1: MANUFACTURING/FRESH, 2: SOURCING/RETAIL, all WEEK."""
    return _example("vendorSalesReport.json", index)


def _parse(document: dict[str, Any] | bytes, report_type: str = ReportType.SALES,
           expected: ExpectedSpecification | None = None) -> pa.Table:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_report_document(raw, report_type, LINEAGE, expected)


def _expected_for(document: dict[str, Any]) -> ExpectedSpecification:
    spec = document["reportSpecification"]
    dated = "dataStartTime" in spec
    return ExpectedSpecification(
        report_type=spec["reportType"],
        report_options=dict(spec.get("reportOptions", {})),
        marketplace_id=spec["marketplaceIds"][0],
        start=date.fromisoformat(spec["dataStartTime"][:10]) if dated else None,
        end=date.fromisoformat(spec["dataEndTime"][:10]) if dated else None,
    )


def _json_value(kind: FieldKind, value: Any) -> Any:
    """An example's field value as it should read back from the table."""
    match kind:
        case FieldKind.AMOUNT:
            return value["amount"]
        case FieldKind.DATE:
            return date.fromisoformat(value)
        case FieldKind.DATE_TIME:
            return datetime.fromisoformat(value).astimezone(UTC)
    return value


# --- Amazon's examples ------------------------------------------------------------------------------------


def test_every_vendor_report_type_has_an_example() -> None:
    assert {e[2]["reportSpecification"]["reportType"] for e in VENDOR_EXAMPLES} == set(ReportType)


@pytest.mark.parametrize(("file_name", "index", "example"), VENDOR_EXAMPLES,
                         ids=[f"{f}[{i}]" for f, i, _ in VENDOR_EXAMPLES])
def test_amazon_example_parses_into_the_exact_schema_with_its_values(
    file_name: str, index: int, example: dict[str, Any]
) -> None:
    report_type = example["reportSpecification"]["reportType"]
    layout = report_layout(report_type)

    table = _parse(example, report_type, expected=_expected_for(example))

    assert table.schema.equals(report_schema(report_type), check_metadata=True)
    aggregate_rows = example.get(layout.aggregate_key, []) if layout.aggregate_key else []
    by_asin_rows = example[layout.by_asin_key]
    assert table.num_rows == len(aggregate_rows) + len(by_asin_rows)
    levels = ["aggregate"] * len(aggregate_rows) + ["asin"] * len(by_asin_rows)
    assert table.column("row_level").to_pylist() == levels
    # Every field of every row, in document order (aggregate rows first).
    rows = table.to_pylist()
    for source, row in zip([*aggregate_rows, *by_asin_rows], rows, strict=True):
        for field in layout.fields:
            if field.name in source:
                assert row[field.column] == _json_value(field.kind, source[field.name]), field.name
            else:
                assert row[field.column] is None, field.name
    # Lineage and request columns.
    spec = example["reportSpecification"]
    options = spec.get("reportOptions", {})
    for row in rows:
        assert row["report_id"] == LINEAGE.report_id
        assert row["request_key"] == LINEAGE.request_key
        assert row["ingested_at"] == LINEAGE.ingested_at
        assert row["report_type"] == report_type
        assert row["marketplace_id"] == "ATVPDKIKX0DER"
        assert row["report_period"] == options.get("reportPeriod")
        assert row["distributor_view"] == options.get("distributorView")
        assert row["selling_program"] == options.get("sellingProgram")
        if "lastUpdatedDate" in spec:
            assert row["last_updated_date"] == date.fromisoformat(spec["lastUpdatedDate"])


def test_sales_example_values() -> None:
    table = _parse(_sales(0))
    by_asin = table.filter(pc.equal(table.column("row_level"), "asin"))
    aggregate = table.filter(pc.equal(table.column("row_level"), "aggregate"))

    # Amazon's example is consistent: the by-ASIN rows add up to the aggregate rows.
    for column, total in (("ordered_units", 25 + 50), ("shipped_units", 5 + 5)):
        assert pc.sum(by_asin.column(column)).as_py() == total == pc.sum(aggregate.column(column)).as_py()
    assert by_asin.column("ordered_revenue")[0].as_py() == 1000.0
    assert by_asin.column("ordered_revenue")[1].as_py() == 500.0  # an integer in the JSON
    assert by_asin.column("asin").to_pylist() == ["B123456789", "B987654321", "B123456789", "B987654321"]
    assert by_asin.column("start_date").to_pylist()[-1] == date(2021, 6, 13)
    assert aggregate.column("asin").null_count == aggregate.num_rows
    assert set(table.column("currency_code").to_pylist()) == {"USD"}
    assert table.column("data_start_date")[0].as_py() == date(2021, 6, 6)
    assert table.column("data_end_date")[0].as_py() == date(2021, 6, 19)
    assert table.column("last_updated_date")[0].as_py() == date(2021, 6, 20)


def test_sourcing_rows_have_no_ordered_metrics() -> None:
    table = _parse(_sales(2))
    assert table.column("distributor_view").unique().to_pylist() == ["SOURCING"]
    assert table.column("ordered_units").null_count == table.num_rows
    assert table.column("ordered_revenue").null_count == table.num_rows
    assert table.column("customer_returns").null_count == 0


def test_fresh_rows_have_no_customer_returns() -> None:
    table = _parse(_sales(1))
    assert table.column("selling_program").unique().to_pylist() == ["FRESH"]
    assert table.column("customer_returns").null_count == table.num_rows
    assert table.column("ordered_units").null_count == 0


def test_forecasting_example_values() -> None:
    example = _example("vendorForecastingReport.json")
    table = _parse(example, ReportType.FORECASTING)
    assert table.num_rows == 27
    assert set(table.column("row_level").to_pylist()) == {"asin"}
    assert table.column("data_start_date").null_count == table.num_rows
    assert table.column("data_end_date").null_count == table.num_rows
    assert table.column("forecast_generation_date")[0].as_py() == date(2021, 6, 6)
    assert table.column("p90_forecast_units")[0].as_py() == 300.7
    expected_mean = sum(r["meanForecastUnits"] for r in example["forecastByAsin"])
    assert pc.sum(table.column("mean_forecast_units")).as_py() == pytest.approx(expected_mean)


def test_inventory_example_values() -> None:
    table = _parse(_example("vendorInventoryReport.json"), ReportType.INVENTORY)
    first_asin_row = table.filter(pc.equal(table.column("row_level"), "asin")).slice(0, 1).to_pylist()[0]
    assert first_asin_row["sellable_on_hand_inventory_cost"] == 43123.99
    assert first_asin_row["aged_90_plus_days_sellable_inventory_units"] == 2234
    assert first_asin_row["receive_fill_rate"] == 0.98  # not in Amazon's InventoryByAsin, yet in its example
    assert first_asin_row["currency_code"] == "USD"


def test_real_time_sales_takes_its_currency_from_report_options() -> None:
    example = _example("vendorRealTimeSalesReport.json")
    table = _parse(example, ReportType.REAL_TIME_SALES)
    assert set(table.column("currency_code").to_pylist()) == {"USD"}
    assert table.column("start_time")[0].as_py() == datetime(2022, 4, 20, 20, tzinfo=UTC)
    assert table.column("data_end_time")[0].as_py() == datetime(2022, 4, 20, 21, tzinfo=UTC)
    assert table.column("last_updated_date").null_count == table.num_rows
    units = sum(r["orderedUnits"] for r in example["reportData"])
    assert pc.sum(table.column("ordered_units")).as_py() == units


def test_a_report_type_vendorcast_does_not_know_is_rejected() -> None:
    coupon = _example("vendorCouponReport.json")
    with pytest.raises(UnknownReportType):
        _parse(coupon, coupon["reportSpecification"]["reportType"])


# --- the layouts agree with Amazon's schemas ---------------------------------------------------------------


@pytest.mark.parametrize("report_type", list(ReportType))
def test_layout_requiredness_and_fields_agree_with_amazon_schema(report_type: ReportType) -> None:
    spec = report_spec(report_type)
    layout = REPORT_LAYOUTS[report_type]
    schema = _amazon_schema(spec.schema_file)
    keys = [k for k in (layout.by_asin_key, layout.aggregate_key) if k]
    assert set(schema["required"]) == {"reportSpecification", *keys}
    for key in keys:
        definition = schema["definitions"][schema["properties"][key]["items"]["$ref"].rsplit("/", 1)[1]]
        ours = {f.name: f for f in layout.fields if not (key == layout.aggregate_key and f.by_asin_only)}
        # Every field Amazon documents has a column...
        assert set(definition["properties"]) <= set(ours), key
        # ...and is required exactly when Amazon says so.
        for name, field in ours.items():
            if name in definition["properties"]:
                assert field.required == (name in definition["required"]), (key, name)
            else:  # the inventory rates Amazon's by-ASIN definition omits
                assert not field.required
    specification = schema["properties"]["reportSpecification"]
    assert set(specification["required"]) == {"reportType", "marketplaceIds", *layout.required_specification}
    amazon_options = specification["properties"].get("reportOptions", {}).get("required", [])
    assert set(amazon_options) == set(layout.required_options)


def test_column_names_are_the_contract() -> None:
    assert LINEAGE_COLUMNS == (
        "report_id", "request_key", "ingested_at", "report_type", "marketplace_id", "report_period",
        "distributor_view", "selling_program", "data_start_date", "data_end_date", "last_updated_date",
        "row_level",
    )
    assert report_schema(ReportType.SALES).names[len(LINEAGE_COLUMNS):] == [
        "asin", "start_date", "end_date", "customer_returns", "ordered_units", "shipped_units",
        "ordered_revenue", "shipped_revenue", "shipped_cogs", "currency_code",
    ]
    sales = report_schema(ReportType.SALES)
    assert sales.field("ingested_at").type == pa.timestamp("us", tz="UTC")
    assert sales.field("start_date").type == pa.date32()
    assert sales.field("shipped_units").type == pa.int64()
    assert sales.field("shipped_cogs").type == pa.float64()
    inventory = report_schema(ReportType.INVENTORY).names
    assert "aged_90_plus_days_sellable_inventory_cost" in inventory
    assert "procurable_product_out_of_stock_rate" in inventory
    assert report_schema(ReportType.FORECASTING).names[-5:] == [
        "forecast_generation_date", "mean_forecast_units", "p70_forecast_units", "p80_forecast_units",
        "p90_forecast_units",
    ]
    assert snake_case("shippedCogs") == "shipped_cogs"
    assert snake_case("p70ForecastUnits") == "p70_forecast_units"


# --- the request check --------------------------------------------------------------------------------------


def test_matching_request_passes_and_from_window_builds_it() -> None:
    window = ReportWindow(
        ReportType.SALES,
        (("reportPeriod", "WEEK"), ("distributorView", "MANUFACTURING"), ("sellingProgram", "RETAIL")),
        ReportPeriod.WEEK, date(2021, 6, 6), date(2021, 6, 19), "initial",
    )
    expected = ExpectedSpecification.from_window(window, "ATVPDKIKX0DER")
    assert expected.start == date(2021, 6, 6)
    assert _parse(_sales(0), expected=expected).num_rows == 6


def test_forecasting_window_expects_no_dates() -> None:
    window = ReportWindow(ReportType.FORECASTING, (("sellingProgram", "RETAIL"),), None,
                          date(2021, 6, 20), date(2021, 6, 26), "snapshot-2021-06-20")
    expected = ExpectedSpecification.from_window(window, "ATVPDKIKX0DER")
    assert (expected.start, expected.end) == (None, None)
    assert _parse(_example("vendorForecastingReport.json"), ReportType.FORECASTING, expected).num_rows == 27


@pytest.mark.parametrize(
    ("change", "field", "want", "got"),
    [
        ({"report_options": {**MANUFACTURING_RETAIL_WEEK, "sellingProgram": "FRESH"}},
         "reportOptions.sellingProgram", "FRESH", "RETAIL"),
        ({"report_options": {**MANUFACTURING_RETAIL_WEEK, "reportPeriod": "DAY"}},
         "reportOptions.reportPeriod", "DAY", "WEEK"),
        ({"start": date(2021, 6, 13)}, "dataStartTime", "2021-06-13", "2021-06-06"),
        ({"end": date(2021, 6, 26)}, "dataEndTime", "2021-06-26", "2021-06-19"),
        ({"marketplace_id": "A1F83G8C2ARO7P"}, "marketplaceIds", ["A1F83G8C2ARO7P"], ["ATVPDKIKX0DER"]),
    ],
)
def test_specification_mismatch_lists_expected_and_got(
    change: dict[str, Any], field: str, want: Any, got: Any
) -> None:
    document = _sales(0)
    expected = _expected_for(document)
    expected = ExpectedSpecification(**{**expected.__dict__, **change})
    with pytest.raises(ReportSpecificationMismatch) as caught:
        _parse(document, expected=expected)
    assert (field, want, got) in caught.value.differences
    assert field in str(caught.value)
    assert str(want) in str(caught.value)


def test_document_of_another_report_type_is_a_mismatch() -> None:
    with pytest.raises(ReportSpecificationMismatch, match="reportType"):
        _parse(_sales(0), ReportType.TRAFFIC)
    with pytest.raises(ValueError, match="expected GET_VENDOR_TRAFFIC_REPORT"):
        _parse(_sales(0), ReportType.SALES, expected=_expected_for(_example("vendorTrafficReport.json")))


def test_hourly_window_compares_to_the_second_or_to_the_day() -> None:
    example = _example("vendorRealTimeTrafficReport.json")  # 2022-04-20T20:00:00Z .. 21:00:00Z

    def expect(start: date, end: date) -> ExpectedSpecification:
        return ExpectedSpecification(ReportType.REAL_TIME_TRAFFIC, {}, "ATVPDKIKX0DER", start, end)

    hour = datetime(2022, 4, 20, 20, tzinfo=UTC)
    assert _parse(example, ReportType.REAL_TIME_TRAFFIC, expect(hour, hour.replace(hour=21))).num_rows == 1
    day = date(2022, 4, 20)
    assert _parse(example, ReportType.REAL_TIME_TRAFFIC, expect(day, day)).num_rows == 1
    with pytest.raises(ReportSpecificationMismatch, match="dataStartTime"):
        _parse(example, ReportType.REAL_TIME_TRAFFIC, expect(hour.replace(hour=19), hour.replace(hour=21)))


def test_no_expected_specification_means_no_request_check() -> None:
    document = _sales(0)
    document["reportSpecification"]["marketplaceIds"] = ["A1F83G8C2ARO7P"]
    table = _parse(document)
    assert table.column("marketplace_id")[0].as_py() == "A1F83G8C2ARO7P"


# --- broken documents --------------------------------------------------------------------------------------


def test_gzip_documents_are_accepted() -> None:
    raw = json.dumps(_sales(0)).encode()
    assert _parse(gzip.compress(raw)).equals(_parse(raw))


def test_truncated_gzip_is_malformed() -> None:
    compressed = gzip.compress(json.dumps(_sales(0)).encode())
    with pytest.raises(MalformedReportDocument, match="gzip"):
        _parse(compressed[: len(compressed) // 2])


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(_sales(0)).encode()[:-40],  # truncated JSON
        b"<html>Access Denied</html>",
        b"",
        b"[1, 2, 3]",
        json.dumps(_sales(0)).encode() * 2,  # two objects
    ],
    ids=["truncated", "html", "empty", "array", "two-objects"],
)
def test_not_a_json_report_is_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedReportDocument, match="GET_VENDOR_SALES_REPORT"):
        _parse(raw)


def test_failure_reason_document_is_recognised() -> None:
    reason = {"errorDetails": "Report requires reportOptions sellingProgram"}
    with pytest.raises(MalformedReportDocument, match="failure reason document") as caught:
        _parse(reason)
    assert "Report requires reportOptions sellingProgram" in str(caught.value)
    assert isinstance(caught.value, ReportDocumentError)


def test_unknown_fields_are_ignored() -> None:
    document = _sales(0)
    document["salesByAsin"][0]["glanceViewsNew"] = 17
    document["salesByAsin"][1]["shippedCogs"]["taxIncluded"] = True
    document["salesAggregate"][0]["brandNew"] = {"nested": [1, 2, {"x": "y"}]}
    document["reportSpecification"]["reportOptions"]["asinGranularity"] = "PARENT"
    document["reportSpecification"]["newTopLevelNote"] = "x"
    document["salesByBrand"] = [{"brand": "Acme", "shippedUnits": 3}]
    assert _parse(document).equals(_parse(_sales(0)))


def test_pretty_printed_document_parses() -> None:
    pretty = json.dumps(_sales(0), indent=2).encode()
    assert _parse(pretty).equals(_parse(_sales(0)))


@pytest.mark.parametrize(
    ("mutate", "where", "field"),
    [
        (lambda d: d["salesByAsin"][2].pop("shippedUnits"), "salesByAsin[2] (asin B123456789)",
         "'shippedUnits'"),
        (lambda d: d["salesByAsin"][1].pop("asin"), "salesByAsin[1]", "'asin'"),
        (lambda d: d["salesAggregate"][1].pop("startDate"), "salesAggregate[1]", "'startDate'"),
        (lambda d: d["salesByAsin"][3]["shippedCogs"].pop("currencyCode"), "salesByAsin[3] (asin B987654321)",
         "'shippedCogs.currencyCode'"),
        (lambda d: d["salesByAsin"][0]["orderedRevenue"].pop("amount"), "salesByAsin[0]",
         "'orderedRevenue.amount'"),
        (lambda d: d.pop("salesAggregate"), "document", "'salesAggregate'"),
        (lambda d: d["reportSpecification"].pop("lastUpdatedDate"), "document",
         "'reportSpecification.lastUpdatedDate'"),
        (lambda d: d["reportSpecification"]["reportOptions"].pop("sellingProgram"), "document",
         "'reportSpecification.reportOptions.sellingProgram'"),
    ],
)
def test_missing_required_field_names_field_report_type_and_row(mutate: Any, where: str, field: str) -> None:
    document = _sales(0)
    mutate(document)
    with pytest.raises(MalformedReportDocument) as caught:
        _parse(document)
    message = str(caught.value)
    assert "GET_VENDOR_SALES_REPORT" in message
    assert where in message
    assert f"lacks required field {field}" in message


def test_missing_optional_field_is_null() -> None:
    document = _sales(0)
    del document["salesByAsin"][0]["customerReturns"]
    table = _parse(document)
    assert table.column("customer_returns")[2].as_py() is None  # two aggregate rows come first


def test_field_of_the_wrong_type_is_malformed() -> None:
    document = _sales(0)
    document["salesByAsin"][0]["shippedUnits"] = "five"
    with pytest.raises(MalformedReportDocument, match="shippedUnits"):
        _parse(document)


def test_row_mixing_currencies_is_an_error() -> None:
    document = _sales(0)
    document["salesByAsin"][1]["shippedCogs"]["currencyCode"] = "EUR"
    with pytest.raises(MalformedReportDocument, match=r"salesByAsin\[1\].*mixes currencies"):
        _parse(document)


def test_null_row_is_malformed() -> None:
    document = _sales(0)
    document["salesByAsin"][1] = None
    with pytest.raises(MalformedReportDocument, match=r"salesByAsin\[1\] is null"):
        _parse(document)


def test_empty_arrays_give_an_empty_table_of_the_schema() -> None:
    document = _sales(0)
    document["salesAggregate"], document["salesByAsin"] = [], []
    table = _parse(document)
    assert table.num_rows == 0
    assert table.schema.equals(report_schema(ReportType.SALES))


def test_unknown_report_type_is_rejected() -> None:
    with pytest.raises(UnknownReportType):
        _parse(_sales(0), "GET_VENDOR_SALES_DIAGNOSTIC_REPORT")


def test_naive_ingestion_time_is_rejected() -> None:
    lineage = DocumentLineage("r", "k", datetime(2021, 6, 21, 9, 30))
    with pytest.raises(ValueError, match="timezone"):
        parse_report_document(json.dumps(_sales(0)).encode(), ReportType.SALES, lineage)


# --- files and Parquet -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".json.gz"])
def test_parse_report_file_round_trips(tmp_path: Path, suffix: str) -> None:
    raw = json.dumps(_sales(0)).encode()
    source = tmp_path / f"sales-week{suffix}"
    source.write_bytes(gzip.compress(raw) if suffix.endswith(".gz") else raw)
    target = tmp_path / "out" / "sales.parquet"

    summary = parse_report_file(ReportType.SALES, source, target, report_id="r-1", request_key="k-1")

    assert (summary.rows, summary.asins, summary.periods) == (6, 2, 2)
    assert summary.seconds > 0
    written = pq.read_table(target)
    assert written.schema.equals(report_schema(ReportType.SALES))
    lineage = DocumentLineage("r-1", "k-1", written.column("ingested_at")[0].as_py())
    assert written.equals(parse_report_document(raw, ReportType.SALES, lineage))
    metadata = pq.ParquetFile(target).metadata
    assert metadata.row_group(0).column(0).compression == "ZSTD"


def test_parse_report_file_names_the_rows_after_the_file_by_default(tmp_path: Path) -> None:
    source = tmp_path / "doc-123.json.gz"
    source.write_bytes(gzip.compress(json.dumps(_sales(2)).encode()))
    parse_report_file(ReportType.SALES, source, tmp_path / "out.parquet")
    written = pq.read_table(tmp_path / "out.parquet", columns=["report_id", "request_key"])
    assert written.column("report_id").unique().to_pylist() == ["doc-123"]
    assert written.column("request_key").unique().to_pylist() == ["file:doc-123.json.gz"]


def test_write_parquet_to_a_buffer_keeps_the_explicit_schema() -> None:
    table = _parse(_example("vendorInventoryReport.json"), ReportType.INVENTORY)
    sink = io.BytesIO()
    write_parquet(table, sink)
    read = pq.read_table(io.BytesIO(sink.getvalue()))
    assert read.schema.equals(report_schema(ReportType.INVENTORY), check_metadata=True)
    assert read.equals(table)


def test_write_parquet_needs_an_explicit_schema() -> None:
    with pytest.raises(ValueError, match="explicit schema"):
        write_parquet(pa.table({"a": [1]}), io.BytesIO())
    schema = pa.schema([("a", pa.int32())])
    sink = io.BytesIO()
    write_parquet(pa.table({"a": pa.array([1], pa.int64())}), sink, schema)
    assert pq.read_table(io.BytesIO(sink.getvalue())).schema.field("a").type == pa.int32()


def test_every_catalogued_type_has_a_layout() -> None:
    assert set(REPORT_LAYOUTS) == set(REPORT_CATALOGUE)
