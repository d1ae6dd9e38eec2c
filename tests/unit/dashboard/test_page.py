"""The local dashboard's page: what it embeds and shows for the fixture lake (numbers worked out by hand in
conftest.py), that it is one self-contained file, that catalog text cannot inject markup, and that a lake with
nothing in it yet still gives a page."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vendorcast.dashboard.contents import SECTIONS, VisualKind, visuals
from vendorcast.dashboard.page import build_dashboard, embedded_payload

ROOT = Path(__file__).parents[3]


@pytest.fixture(scope="module")
def page(fixture_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    output = tmp_path_factory.mktemp("page") / "dashboard.html"
    result = build_dashboard(fixture_lake, output, title="Acme <Kitchen>", history_weeks=52)
    assert result.asins == 3 and result.rows["run_history"] == 3
    html = output.read_text(encoding="utf-8")
    return html, embedded_payload(html)


def _key(fx: ModuleType, asin: str) -> str:
    return f"{fx.ACCOUNT}|{fx.MARKET}|{asin}"


def _traces(figure: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {trace["name"]: trace for trace in figure["data"]}


def _days(fx: ModuleType, weeks: range) -> list[str]:
    return [fx.week(k).isoformat() for k in weeks]


def test_the_fan_chart_shows_history_our_band_and_amazons_band(page: tuple[str, dict], fx: ModuleType) -> None:
    _, payload = page
    traces = _traces(payload["fan"]["charts"][_key(fx, fx.KETTLE)])
    forecast_weeks = _days(fx, range(60, 60 + fx.HORIZON))
    # The latest run's selected model (R2, origin week 60), never the component model's 1000s.
    assert traces["P90"]["x"] == forecast_weeks and traces["P90"]["y"] == [200.0] * fx.HORIZON
    assert traces["P10 to P90"]["y"] == [120.0] * fx.HORIZON and traces["P10 to P90"]["fill"] == "tonexty"
    assert traces["P50"]["y"] == [150.0] * fx.HORIZON
    # Amazon's snapshot of week 60 (the one R2 could know), not week 61's 999s.
    assert traces["Amazon P90"]["y"] == [190.0] * fx.HORIZON
    assert traces["Amazon P70 to P90"]["y"] == [158.0] * fx.HORIZON
    # 52 weeks of history up to the last sales week; the stockout week marked.
    history = traces["units sold"]
    assert history["x"] == _days(fx, range(fx.LAST_SALES_WEEK - 51, fx.LAST_SALES_WEEK + 1))
    assert history["y"][-1] == fx.kettle_units(fx.LAST_SALES_WEEK)
    assert traces["stockout cut sales"]["x"] == _days(fx, range(fx.STOCKOUT_WEEK, fx.STOCKOUT_WEEK + 1))
    # A dashed line marks the forecast origin.
    [origin] = payload["fan"]["charts"][_key(fx, fx.KETTLE)]["layout"]["shapes"]
    assert origin["x0"] == fx.week(60).isoformat()


def test_an_asin_without_forecast_shows_its_history_only(page: tuple[str, dict], fx: ModuleType) -> None:
    _, payload = page
    assert set(_traces(payload["fan"]["charts"][_key(fx, fx.MUG)])) == {"units sold"}
    assert payload["fan"]["charts"][_key(fx, fx.MUG)]["layout"].get("shapes", []) == []


def test_the_picker_puts_asins_at_risk_first(page: tuple[str, dict], fx: ModuleType) -> None:
    html, payload = page
    choices = payload["fan"]["choices"]
    assert [(c["key"], c["at_risk"]) for c in choices] == [
        (_key(fx, fx.KETTLE), True), (_key(fx, fx.TOASTER), False), (_key(fx, fx.MUG), False)]
    assert choices[0]["label"] == f"{fx.KETTLE} · Electric Kettle 1.7 L · {fx.ACCOUNT} {fx.MARKET}"
    assert f'<option value="{_key(fx, fx.KETTLE)}">⚠ {fx.KETTLE}' in html


def test_stockout_risk_is_p90_demand_over_lead_time_and_review_against_stock_and_open_pos(
        page: tuple[str, dict], fx: ModuleType) -> None:
    html, payload = page
    notes = payload["fan"]["notes"]
    # The kettle: the inventory report's 21-day lead time is 3 weeks, + 1 review week: R2's 4 weeks of P90 200.
    p90_total = 200 * 4
    available = fx.KETTLE_ON_HAND + fx.KETTLE_OPEN_PO
    assert notes[_key(fx, fx.KETTLE)] == (
        f"300 on hand + 200 on open POs (inventory report) = {available} units (week of {fx.week(59)}); "
        f"P90 demand over 4 weeks (lead time 3 from inventory report, plus a review week): {p90_total}, "
        f"{p90_total - available} short: at risk of a stockout.")
    # The toaster has no lead time reported: 14 days by default, so 3 weeks of P90 20 against 100 on hand.
    assert notes[_key(fx, fx.TOASTER)].endswith(
        "100 on hand + 0 on open POs (inventory report) = 100 units (week of 2025-02-23); "
        "P90 demand over 3 weeks (lead time 2 from default, plus a review week): 60: covered.")
    assert notes[_key(fx, fx.MUG)].endswith("no forecast to check against.")
    counts = {trace["name"]: dict(zip(trace["x"], trace["y"], strict=True))
              for trace in payload["figures"]["stockout_risk_counts"]["data"]}
    assert counts == {"P90 demand above on hand + open POs": {"default": 0, "inventory report": 1},
                      "covered": {"default": 1, "inventory report": 0},
                      "no forecast": {"default": 1, "inventory report": 0}}
    first_row = re.search(r'id="stockout_risk_table".*?<tbody>\s*<tr>(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", first_row) == [
        fx.KETTLE, fx.ACCOUNT, fx.MARKET, str(fx.week(59)), "300", "200", "inventory_report", "3", "800", "300",
        "at_risk"]
    assert ("1", "at stockout risk (P90 over lead time)") in re.findall(r"<li><b>(.*?)</b><span>(.*?)</span>", html)


def test_the_otif_section_shows_otif_by_week_worst_asins_and_lines_at_risk(page: tuple[str, dict],
                                                                             fx: ModuleType) -> None:
    html, payload = page
    traces = {t["name"]: t for t in payload["figures"]["otif_by_week"]["data"]}
    # Week 58: 100 kettles on time and in full, 40 of 50 toasters late: 100 of 150; week 59: 30 mugs overdue.
    assert traces["on time in full"]["x"] == [str(fx.week(58)), str(fx.week(59))]
    assert traces["on time in full"]["y"] == [pytest.approx(100 / 150), 0.0]
    assert traces["fill rate"]["y"] == [pytest.approx(140 / 150), 0.0]

    def rows(visual: str) -> list[list[str]]:
        body = re.search(rf'id="{visual}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
        return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]

    assert [r[0] for r in rows("otif_worst_asins")] == [fx.TOASTER, fx.MUG, fx.KETTLE]  # 0 % (50 units) first
    assert rows("otif_worst_asins")[0][-2:] == ["0.0%", "80.0%"]
    assert [(r[0], r[1], r[3], r[-2], r[-1]) for r in rows("open_po_risk")] == [
        ("overdue", "P0000002", fx.MUG, "-4", "30"), ("unconfirmed", "P0000002", fx.KETTLE, "11", "60")]


def test_the_plan_section_shows_the_latest_plan_by_week_its_decisions_and_the_po_advice(
        page: tuple[str, dict], fx: ModuleType) -> None:
    html, payload = page
    traces = {t["name"]: t for t in payload["figures"]["plan_by_week"]["data"]}
    # R2's plan (not R1's): 600 kettles to start in week 60, nothing later; orders 160 + 12 a week.
    assert traces["units to start"]["x"] == [str(fx.week(k)) for k in range(60, 64)]
    assert traces["units to start"]["y"] == [600.0, 0.0, 0.0, 0.0]
    assert traces["Amazon's expected orders"]["y"] == [172.0] * 4
    assert traces["projected on hand"]["y"] == [500 - 172.0 * h for h in range(1, 5)]

    def rows(visual: str) -> list[list[str]]:
        body = re.search(rf'id="{visual}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
        return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]

    # The lowest expected fill first.
    assert [(r[0], r[1], r[4], r[5], r[10], r[11]) for r in rows("plan_decisions")] == [
        (fx.KETTLE, "Electric Kettle 1.7 L", "600", str(fx.week(62)), "80.0%", ""),
        (fx.TOASTER, "", "0", str(fx.week(62)), "100.0%", "unit_cost")]
    # P1 closed since the plan: its advice is not shown; the largest shortfall first.
    assert [(r[0], r[1], r[2], r[3], r[9], r[10], r[11]) for r in rows("po_advice")] == [
        ("unconfirmed", "P0000002", "1", fx.KETTLE, "60", "40", "20"),
        ("overdue", "P0000002", "2", fx.MUG, "30", "30", "0")]
    assert ("600 units", f"to start, plan of {fx.week(60)}") in re.findall(r"<li><b>(.*?)</b><span>(.*?)</span>", html)


def test_an_older_lake_without_purchase_orders_says_there_are_none_yet(tmp_path: Path, fx: ModuleType) -> None:
    lake = fx.build_fixture_lake(tmp_path / "lake", purchase_orders=False)
    output = tmp_path / "dashboard.html"
    build_dashboard(lake, output)
    html = output.read_text(encoding="utf-8")
    section = re.search(r'<section id="otif">(.*?)</section>', html, re.S).group(1)
    assert section.count("No purchase orders yet") == 3
    assert "at risk of a stockout" in html  # the rest of the page is there


def test_model_accuracy_is_the_latest_runs_pooled_metrics(page: tuple[str, dict]) -> None:
    _, payload = page
    bars = {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in payload["figures"]["model_accuracy"]["data"]}
    # Per-ASIN, per-window and R1's rows are left out; mase is not a loss on the wQL scale; Amazon comes last.
    assert list(bars) == ["ensemble", "seasonal_naive", "amazon"]
    assert bars["ensemble"] == {"wql_p90": 0.21, "wql_mean": 0.31}
    assert bars["amazon"] == {"wql_p90": 0.44, "wql_mean": None}


def test_accuracy_vs_amazon_pools_pinball_losses_of_sold_weeks(page: tuple[str, dict], fx: ModuleType) -> None:
    _, payload = page
    ours, amazon = (t for t in payload["figures"]["accuracy_vs_amazon"]["data"])
    # Only R1's weeks 58 and 59 are sold; Amazon's snapshot of week 58 is the one R1 could know.
    _mean, p70, p80, p90 = fx.AMAZON_SNAPSHOTS[58]

    def wql(actual: int, q70: float, q80: float, q90: float) -> float:
        pinball = sum(level * (actual - q) if actual >= q else (1 - level) * (q - actual)
                      for level, q in ((0.7, q70), (0.8, q80), (0.9, q90)))
        return 2 * pinball / 3 / actual

    actuals = [fx.kettle_units(58), fx.kettle_units(59)]
    assert ours["x"] == [1, 2] and amazon["name"] == "Amazon"
    assert ours["y"] == pytest.approx([wql(a, 160.0, 170.0, 200.0) for a in actuals])
    assert amazon["y"] == pytest.approx([wql(a, p70, p80, p90) for a in actuals])


def test_runs_show_newest_first_with_the_failure(page: tuple[str, dict], fx: ModuleType) -> None:
    html, payload = page
    lines = {t["name"]: t for t in payload["figures"]["run_accuracy"]["data"]}
    # The failed run has no accuracy to plot.
    assert lines["ours: mean wQL"]["x"] == [str(fx.week(58)), str(fx.week(60))]
    assert lines["ours: mean wQL"]["y"] == pytest.approx([0.358, 0.360])
    table = re.search(r'id="run_table".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", table) == ["r3-weekly", "r2-weekly", "r1-weekly"]
    assert "ForecastShards: States.TaskFailed: shard 2 ran out of memory" in table


def test_sales_trend_adds_up_asins_and_compares_the_same_week_last_year(page: tuple[str, dict],
                                                                        fx: ModuleType) -> None:
    _, payload = page
    lines = _traces(payload["figures"]["sales_trend"])
    last = fx.LAST_SALES_WEEK
    assert lines["units"]["x"][-1] == str(fx.week(last))
    assert lines["units"]["y"][-1] == fx.kettle_units(last) + 10 + 3
    # 52 weeks earlier only the kettle sold.
    assert lines["same week last year"]["y"][-1] == fx.kettle_units(last - 52)
    assert lines["same week last year"]["y"][0] is None


def test_catalog_changes_are_counted_per_week_and_escaped(page: tuple[str, dict], fx: ModuleType) -> None:
    html, payload = page
    bars = {t["name"]: (t["x"], t["y"]) for t in payload["figures"]["catalog_changes_by_week"]["data"]}
    assert bars == {"bullet_point": ([str(fx.week(59))], [1]), "item_name": ([str(fx.week(59))], [1])}
    assert "<td>Kettle &lt;b&gt;2.0&lt;/b&gt; &amp; &lt;/script&gt; more</td>" in html
    assert "<b>2.0</b>" not in html
    assert "<h1>Acme &lt;Kitchen&gt;</h1>" in html


def test_ingestion_health_shows_weeks_landed_and_gaps(page: tuple[str, dict], fx: ModuleType) -> None:
    html, payload = page
    [heatmap] = payload["figures"]["ingestion_heatmap"]["data"]
    row = heatmap["z"][heatmap["y"].index("vendor_sales")]
    cells = dict(zip(heatmap["x"], row, strict=True))
    assert [cells[str(fx.week(k))] for k in (56, 57, 58, 59)] == [2, 2, None, 2]
    table = re.search(r'id="ingestion_table".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    sales = re.search(r"<tr><td>vendor_sales</td>(.*?)</tr>", table).group(1)
    assert re.findall(r"<td>([^<]*)</td>", sales) == [
        fx.ACCOUNT, fx.MARKET, str(fx.week(56)), str(fx.week(59)), "3", "1", "2025-03-02 06:00"]


def test_the_page_is_one_file_that_needs_no_network(page: tuple[str, dict]) -> None:
    html, payload = page
    # Nothing to fetch: no script, style sheet or font from elsewhere (the browser test checks no request is made).
    assert not re.search(r'<script[^>]+src=|<link[^>]+href=|@import', html)
    assert "Plotly.react" in html and "* plotly.js v" in html
    # One element per visual, and the embedded data draws every chart but the tables.
    for visual in visuals():
        assert f'id="{visual.id}"' in html
    charts = {v.id for v in visuals() if v.kind not in (VisualKind.TABLE, VisualKind.FAN_CHART)}
    assert set(payload["figures"]) == charts
    # A `</script>` inside the data cannot end the element early.
    assert "</script> more" not in html.split('id="dashboard-data"')[1].split("</script>")[0]


def test_a_lake_without_data_gives_a_page_that_says_so(tmp_path: Path) -> None:
    (tmp_path / "lake").mkdir()
    output = tmp_path / "dashboard.html"
    result = build_dashboard(tmp_path / "lake", output)
    html = output.read_text(encoding="utf-8")
    payload = embedded_payload(html)
    assert result.asins == 0 and payload["figures"] == {} and payload["fan"]["choices"] == []
    otif, plan = (next(section for section in SECTIONS if section.id == name) for name in ("otif", "plan"))
    assert html.count("Nothing to show yet") == len(visuals()) - len(otif.visuals) - len(plan.visuals)
    assert html.count("No purchase orders yet") == len(otif.visuals)
    assert html.count("No plan yet") == len(plan.visuals)


def test_history_weeks_limits_the_fan_charts_history(fixture_lake: Path, tmp_path: Path, fx: ModuleType) -> None:
    output = tmp_path / "dashboard.html"
    build_dashboard(fixture_lake, output, history_weeks=8)
    history = _traces(embedded_payload(output.read_text())["fan"]["charts"][_key(fx, fx.KETTLE)])["units sold"]
    assert history["x"][0] == str(fx.week(fx.LAST_SALES_WEEK) - timedelta(weeks=7))


def test_the_command_writes_the_page(fixture_lake: Path, tmp_path: Path) -> None:
    output = tmp_path / "out" / "dashboard.html"
    result = subprocess.run([sys.executable, "-m", "vendorcast.cli", "dashboard", "--lake", str(fixture_lake),
                             "--output", str(output), "--title", "Acme"], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{output}: 3 ASINs, ")
    assert "<h1>Acme</h1>" in output.read_text(encoding="utf-8")
    missing = subprocess.run([sys.executable, "-m", "vendorcast.cli", "dashboard", "--lake", str(tmp_path / "none")],
                             capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: no lake folder at {tmp_path / 'none'}: run `vendorcast demo` to make " \
                                     "one, or pass --lake"
