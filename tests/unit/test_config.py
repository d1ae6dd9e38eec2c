"""Config validation: one clear message naming the field and what is allowed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from vendorcast.config import ConfigError, load_config, parse_config
from vendorcast.planning.settings import PlanningSettings

EXAMPLE = Path(__file__).parents[2] / "vendorcast.example.toml"


def example() -> dict:
    return tomllib.loads(EXAMPLE.read_text())


def test_example_config_loads_with_all_catalogue_streams() -> None:
    config = load_config(EXAMPLE)
    streams = [r.stream_name for r in config.accounts[0].reports]
    assert "GET_VENDOR_SALES_REPORT/WEEK/SOURCING/RETAIL" in streams
    assert "GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT/DAY" in streams
    assert "GET_VENDOR_FORECASTING_REPORT/RETAIL" in streams


def test_reports_default_to_the_catalogue_when_not_listed() -> None:
    data = example()
    del data["accounts"][0]["reports"]
    config = parse_config(data)
    assert len(config.accounts[0].reports) == 7


def test_business_is_not_valid_for_the_inventory_report() -> None:
    data = example()
    data["accounts"][0]["reports"][3]["selling_program"] = "BUSINESS"
    with pytest.raises(ConfigError) as error:
        parse_config(data)
    message = str(error.value)
    assert "accounts[0] (acme-us).reports[3] (GET_VENDOR_INVENTORY_REPORT)" in message
    assert "does not accept sellingProgram=BUSINESS; use RETAIL or FRESH" in message


@pytest.mark.parametrize("path, value, expected", [
    (("accounts", 0, "region"), "US", "region: Input should be 'NA', 'EU' or 'FE'"),
    (("accounts", 0, "marketplace_ids"), ["A1PA6795UKMFR9"], "(DE) is served by SP-API region EU, not NA"),
    (("accounts", 0, "marketplace_ids"), ["XYZ"], "unknown marketplace id 'XYZ'"),
    (("accounts", 0, "name"), "Acme US", "name: String should match pattern"),
    (("accounts", 0, "backfil_start"), "2024-01-01", "backfil_start: unknown setting (check its spelling)"),
    (("schedules", "poll_reports"), "every 5 minutes", "is not an EventBridge schedule expression"),
    (("accounts", 0, "reports", 0, "report_type"), "GET_VENDOR_SALES", "report_type: Input should be"),
    (("accounts", 0, "reports", 2, "distributor_view"), "SOURCING",
     "GET_VENDOR_TRAFFIC_REPORT does not accept reportOptions.distributorView"),
    (("accounts", 0, "reports", 0, "report_period"), None, "requires reportOptions reportPeriod"),
    (("schedules", "catalog_watch"), "daily", "is not an EventBridge schedule expression"),
    (("alerts", "catalog", "alert_fields"), ["item_name", "title"],
     "alerts.catalog.alert_fields: unknown catalog field 'title'; use any of item_name, brand,"),
    (("alerts", "catalog", "alert_fields"), ["item_name", "item_name"], "catalog fields listed twice"),
    (("alerts", "catalog", "asins"), ["B0C1234567", "b0c1234568"],
     "'b0c1234568' is not an ASIN; write its 10 upper-case letters and digits"),
    (("alerts", "catalog", "ignore_asins"), ["B0C1234567", "B0C1234567"], "ASINs listed twice: B0C1234567"),
    (("alerts", "catalog", "partner_event_source"), "aws.partner/sellingpartnerapi.amazon.com/123/app",
     "is not SP-API's partner event source; it reads aws.partner/sellingpartnerapi.amazon.com/<AWS account id>"),
    (("alerts", "catalog", "report_weeks"), 0, "alerts.catalog.report_weeks: Input should be greater than or equal"),
    (("alerts", "conditions", "out_of_stock_rate"), 1.5, "alerts.conditions.out_of_stock_rate: Input should be less"),
    (("alerts", "conditions", "gone_from_sale"), True, "gone_from_sale: unknown setting (check its spelling)"),
])
def test_invalid_config_names_the_field_and_the_fix(path: tuple, value: object, expected: str) -> None:
    data = example()
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    with pytest.raises(ConfigError) as error:
        parse_config(data)
    assert expected in str(error.value)
    assert "\n" not in str(error.value), "one message, one line"


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not found; copy vendorcast\.example\.toml"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[accounts]\nname=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_json_round_trip_is_what_the_lambdas_read() -> None:
    from vendorcast.config import config_from_json

    config = load_config(EXAMPLE)
    assert config_from_json(config.model_dump_json()) == config


@pytest.mark.parametrize("arn", [
    "arn:aws:quicksight:us-east-1:111122223333:user/default/jane",
    "arn:aws:quicksight:eu-west-1:111122223333:group/default/planners",
    "arn:aws:quicksight:us-east-1:111122223333:user/default/VendorcastAdmin/jane@acme.example",  # federated
    "arn:aws-cn:quicksight:cn-north-1:111122223333:user/default/li",
])
def test_a_quicksight_principal_switches_the_analytics_stack_on(arn: str) -> None:
    assert not parse_config(example()).analytics.quicksight_enabled
    config = parse_config({**example(), "analytics": {"quicksight_principal_arn": arn}})
    assert config.analytics.quicksight_enabled and config.analytics.quicksight_principal_arn == arn


@pytest.mark.parametrize("arn", [
    "jane",
    "arn:aws:iam::111122223333:user/jane",  # an IAM user is not a QuickSight principal
    "arn:aws:quicksight:us-east-1:1111:user/default/jane",
    "arn:aws:quicksight:us-east-1:111122223333:dashboard/abc",
    "arn:aws:quicksight:us-east-1:111122223333:user/jane",  # no namespace
])
def test_a_malformed_quicksight_principal_is_one_line_naming_the_field(arn: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({**example(), "analytics": {"quicksight_principal_arn": arn}})
    message = str(error.value)
    assert message.startswith(f"config: analytics.quicksight_principal_arn: {arn!r} is not a QuickSight user or "
                              "group ARN; write arn:aws:quicksight:")
    assert "\n" not in message


def test_an_asin_cannot_be_both_watched_and_ignored() -> None:
    data = example()
    data["alerts"]["catalog"] |= {"asins": ["B0C1234567"], "ignore_asins": ["B0C1234567"]}
    with pytest.raises(ConfigError, match=r"alerts\.catalog: ASINs both watched and ignored: B0C1234567"):
        parse_config(data)


def test_catalog_alerts_default_to_the_detail_page_content() -> None:
    data = example()
    del data["alerts"]["catalog"]
    alerts = parse_config(data).alerts
    assert [f.value for f in alerts.catalog.alert_fields] == example()["alerts"]["catalog"]["alert_fields"]
    assert "sales_rank" not in alerts.catalog.alert_fields
    source = "aws.partner/sellingpartnerapi.amazon.com/123456789012/amzn1.sellerapps.app.0a1b-2c3d"
    data["alerts"]["catalog"] = {"partner_event_source": source}
    assert parse_config(data).alerts.catalog.partner_event_source == source


def test_planning_settings_come_from_the_config_and_a_lead_time_must_fit_the_plan() -> None:
    data = example()
    data["planning"] = {"horizon_weeks": 10, "lead_time_weeks": 6, "lot_size": 300, "weekly_capacity_units": 900}
    settings = PlanningSettings.from_config(parse_config(data))
    assert (settings.horizon_weeks, settings.lead_time_weeks, settings.lot_size) == (10, 6, 300)
    assert settings.weekly_capacity_units == 900 and settings.review_weeks == 1 and settings.fill_rate_target == 0.95
    data["planning"]["lead_time_weeks"] = 10
    with pytest.raises(ConfigError, match=r"planning: lead_time_weeks \(10\) \+ review_weeks \(1\) exceed "
                                          r"horizon_weeks \(10\).*raise horizon_weeks"):
        parse_config(data)
