"""The dashboard of a realistic lake (the sample vendor: curated tables published by the real SQL, forecast tables
to their contract) in headless Chromium: it loads offline with no console error, draws every chart, and the ASIN
picker redraws the fan chart with the chosen ASIN's forecast. Skipped, saying why, where the machine has no
Chromium (.ci/run installs Debian's `chromium`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vendorcast.dashboard.browser import HeadlessChromium, find_chromium
from vendorcast.dashboard.contents import VisualKind, visuals
from vendorcast.dashboard.page import build_dashboard, embedded_payload
from vendorcast.dashboard.sample import SampleLake, build_sample_lake

pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="no Chromium found: install Debian's `chromium` package (.ci/run does) or set VENDORCAST_CHROMIUM",
)

SMALL = SampleLake(n_asins=10, weeks=60, horizon=8, runs=4, backtest_windows=3, failed_run=1, seed=5)
CHARTS = [v.id for v in visuals() if v.kind is not VisualKind.TABLE]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    build_sample_lake(root / "lake", SMALL)
    return build_dashboard(root / "lake", root / "dashboard.html", title="Sample vendor").path


def test_the_page_loads_without_errors_and_draws_every_chart(dashboard: Path) -> None:
    with HeadlessChromium(timeout=120) as browser:
        browser.open(dashboard.as_uri())
        drawn = browser.wait_until("document.body.dataset.rendered")
        assert browser.report.errors == []
        assert int(drawn) == len(CHARTS)
        # Every chart has its SVG with marks in it (bars, lines, heat map cells), every table its rows.
        marks = browser.evaluate("""Object.fromEntries(Array.from(document.querySelectorAll('.plot')).map(e =>
            [e.id.replace('plot-', ''), e.querySelectorAll('.main-svg .trace, .main-svg .hm image').length]))""")
        assert set(marks) == set(CHARTS)
        assert all(count > 0 for count in marks.values()), marks
        rows = browser.evaluate("Array.from(document.querySelectorAll('.visual table')).map(t => t.rows.length)")
        assert len(rows) == len(visuals()) - len(CHARTS) and min(rows) > 1
        # Offline: the page fetched nothing (no script, style sheet, font or data from the network).
        assert browser.evaluate("performance.getEntriesByType('resource').map(r => r.name)") == []


def test_the_picker_redraws_the_fan_chart_for_the_chosen_asin(dashboard: Path) -> None:
    payload = embedded_payload(dashboard.read_text(encoding="utf-8"))
    choices = payload["fan"]["choices"]
    chosen = next(c for c in choices[1:] if any(t["name"] == "P50" for t in payload["fan"]["charts"][c["key"]]["data"]))
    with HeadlessChromium(timeout=120) as browser:
        browser.open(dashboard.as_uri())
        browser.wait_until("document.body.dataset.rendered")
        shown = "document.getElementById('plot-fan_chart').data.find(t => t.name === 'P50').y"
        first = browser.evaluate(shown)
        browser.evaluate(f"""(() => {{ const picker = document.getElementById('asin-picker');
            picker.value = {json.dumps(chosen['key'])}; picker.dispatchEvent(new Event('change')); }})()""")
        expected = next(t["y"] for t in payload["fan"]["charts"][chosen["key"]]["data"] if t["name"] == "P50")
        # Plotly.react puts the new figure's data on the chart's element at once.
        assert browser.evaluate(shown) == pytest.approx(expected)
        assert expected != pytest.approx(first)
        assert browser.evaluate("document.getElementById('stockout-note').textContent") == \
            payload["fan"]["notes"][chosen["key"]]
        assert browser.report.errors == []
