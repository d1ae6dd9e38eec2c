"""`vendorcast dashboard`: the local stand-in for the QuickSight dashboard. Runs the dashboard's datasets on the
local lake (DuckDB over the views), builds every visual, and writes one self-contained HTML file: plotly.js, the
data and the page's script inline, so it opens offline from a file or an e-mail attachment."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import plotly.io as pio
import plotly.offline

from vendorcast.dashboard.contents import SECTIONS, VisualKind, datasets
from vendorcast.dashboard.visuals import (
    AT_RISK,
    DEFAULT_HISTORY_WEEKS,
    FIGURES,
    TABLES,
    fan_charts,
    stockout_note,
    template,
)
from vendorcast.lake.query import LocalLake
from vendorcast.lake.storage import LakeStorage

TEMPLATE = "dashboard.html"
# The page's data sits in a JSON script element of this id (the browser test and the page's script read it).
DATA_ELEMENT_ID = "dashboard-data"


@dataclass(frozen=True)
class DashboardResult:
    """What was written: the file, its size, and the rows of each dataset."""

    path: Path
    size_bytes: int
    rows: dict[str, int]
    asins: int


def load_datasets(lake: LocalLake) -> dict[str, pd.DataFrame]:
    """Every dataset of the dashboard, queried on the local lake (dates as pandas timestamps)."""
    return {name: lake.query(dataset.sql).to_pandas(date_as_object=False) for name, dataset in datasets().items()}


def page_payload(frames: Mapping[str, pd.DataFrame], history_weeks: int = DEFAULT_HISTORY_WEEKS) -> dict[str, Any]:
    """The data the page embeds: the charts' template, every chart's figure, each ASIN's fan chart and stockout
    note, the tables' rows, and which visuals have nothing to show."""
    choices, charts = fan_charts(frames["fan_chart"], frames["stockout_risk"], history_weeks)
    figures, tables, empty = {}, {}, []
    for section in SECTIONS:
        for visual in section.visuals:
            rows = frames[visual.dataset]
            if rows.empty:
                empty.append(visual.id)
            elif visual.kind is VisualKind.TABLE:
                columns, build = TABLES[visual.id]
                tables[visual.id] = {"columns": list(columns), "rows": build(rows)}
            elif visual.kind is not VisualKind.FAN_CHART:
                figures[visual.id] = FIGURES[visual.id](rows)
    return {
        "template": template(),
        "figures": figures,
        "tables": tables,
        "empty": empty,
        "fan": {
            "choices": [{"key": c.key, "label": c.label, "at_risk": c.at_risk} for c in choices],
            "charts": charts,
            "notes": stockout_note(frames["stockout_risk"]),
        },
    }


def _facts(frames: Mapping[str, pd.DataFrame], payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The header's line of headline facts."""
    fan, runs, risk = frames["fan_chart"], frames["run_history"], frames["stockout_risk"]
    sold = fan[fan["actual_units"].notna()]
    facts = [("ASINs", f"{len(payload['fan']['choices']):,}")]
    if not sold.empty:
        facts.append(("sales weeks", f"{sold['week_start'].min():%Y-%m-%d} to {sold['week_start'].max():%Y-%m-%d}"))
    if not runs.empty:
        latest = runs.sort_values(["forecast_origin", "started_at"]).iloc[-1]
        facts.append(("latest forecast run", f"{latest['forecast_origin']:%Y-%m-%d} {latest['status']}"))
    facts.append(("at stockout risk (P90 over lead time)", f"{int(risk['stockout_risk'].eq(AT_RISK).sum()):,}"))
    decisions = frames["supply_plan_decisions"]
    if not decisions.empty:
        facts.append((f"to start, plan of {decisions['forecast_origin'].max():%Y-%m-%d}",
                      f"{decisions['start_units'].sum():,.0f} units"))
    otif = frames["otif_weekly"]
    if not otif.empty:
        latest = otif[otif["week_start"] == otif["week_start"].max()]
        ordered = latest["ordered_units"].sum()
        if ordered:
            facts.append((f"OTIF, week of {latest['week_start'].iloc[0]:%Y-%m-%d}",
                          f"{latest['on_time_in_full_units'].sum() / ordered:.0%}"))
    return facts


def _json_for_html(payload: Mapping[str, Any]) -> str:
    """JSON that is safe inside a <script> element: no `<` can close it early."""
    return pio.json.to_json_plotly(payload).replace("<", "\\u003c")


def render_page(frames: Mapping[str, pd.DataFrame], *, title: str, source: str,
                history_weeks: int = DEFAULT_HISTORY_WEEKS, generated_at: datetime | None = None) -> str:
    """The dashboard as one HTML document."""
    payload = page_payload(frames, history_weeks)
    environment = jinja2.Environment(loader=jinja2.PackageLoader("vendorcast.dashboard"),
                                     autoescape=jinja2.select_autoescape(default=True),
                                     undefined=jinja2.StrictUndefined)
    return environment.get_template(TEMPLATE).render(
        title=title, source=source, generated_at=(generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        sections=SECTIONS, datasets=datasets(),
        facts=_facts(frames, payload), choices=payload["fan"]["choices"], tables=payload["tables"],
        empty=set(payload["empty"]), fan_chart=VisualKind.FAN_CHART, table=VisualKind.TABLE,
        plotly_js=plotly.offline.get_plotlyjs(), data_element_id=DATA_ELEMENT_ID,
        payload_json=_json_for_html({key: payload[key] for key in ("template", "figures", "fan")}),
    )


def build_dashboard(lake: str | Path | LakeStorage | LocalLake, output_path: str | Path, *,
                    title: str = "vendorcast", history_weeks: int = DEFAULT_HISTORY_WEEKS,
                    generated_at: datetime | None = None) -> DashboardResult:
    """Write the dashboard of a lake (a folder, `s3://bucket`, or an open LocalLake) to `output_path`."""
    if isinstance(lake, LocalLake):
        frames, source = load_datasets(lake), lake.storage.uri_root
    else:
        with LocalLake.open(lake) as opened:
            frames = load_datasets(opened)
        source = opened.storage.uri_root if isinstance(lake, LakeStorage) else str(lake)
    html = render_page(frames, title=title, source=source, history_weeks=history_weeks, generated_at=generated_at)
    path = Path(output_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    asins = frames["fan_chart"][["account", "marketplace_id", "asin"]].drop_duplicates().shape[0]
    return DashboardResult(path=path, size_bytes=path.stat().st_size,
                           rows={name: len(frame) for name, frame in frames.items()}, asins=asins)


def embedded_payload(html: str) -> dict[str, Any]:
    """The JSON a written page embeds (for tests and tools that check what a page shows)."""
    start_tag = f'<script id="{DATA_ELEMENT_ID}" type="application/json">'
    start = html.index(start_tag) + len(start_tag)
    return json.loads(html[start:html.index("</script>", start)])


__all__ = ["DATA_ELEMENT_ID", "DashboardResult", "build_dashboard", "embedded_payload", "load_datasets",
           "page_payload", "render_page"]
