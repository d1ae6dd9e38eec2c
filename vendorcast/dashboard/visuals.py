"""One builder per visual of the local dashboard: from its dataset's rows to a plotly figure (as JSON-ready dicts)
or to the rows of a table. The fan chart is built per ASIN, for the page's ASIN picker."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from vendorcast.dashboard.contents import ACCURACY_CHART_METRICS
from vendorcast.lake.forecast_tables import AMAZON_MODEL

# Colours: ours blue, Amazon's orange, what was sold near-black.
OURS, AMAZON, ACTUAL, ALERT = "#1f5fbf", "#e8710a", "#202124", "#c5221f"
OURS_BAND, AMAZON_BAND = "rgba(31, 95, 191, 0.18)", "rgba(232, 113, 10, 0.20)"
# The plotly template of every chart: sent to the page once, not inside each figure.
TEMPLATE = "plotly_white"
LAYOUT: dict[str, Any] = {
    "margin": {"l": 56, "r": 16, "t": 28, "b": 40},
    "height": 340,
    "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    "xaxis": {"automargin": True},
    "yaxis": {"automargin": True},
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
}
# Weeks of sales history the fan chart shows before the forecast.
DEFAULT_HISTORY_WEEKS = 52
# Rows of the long tables.
TABLE_ROWS = 25
# v_inventory_health.stockout_risk values, their legend and colour.
STOCKOUT_RISKS = (("at_risk", "P90 demand above on hand + open POs", ALERT), ("covered", "covered", "#34a853"),
                  ("no_forecast", "no forecast", "#9aa0a6"))
AT_RISK = STOCKOUT_RISKS[0][0]


def _figure(traces: list[go.BaseTraceType], **layout: Any) -> dict[str, Any]:
    """A figure as plotly.js takes it (traces and layout validated by plotly, the template left to the page)."""
    axes = {axis: {**LAYOUT[axis], **layout.pop(axis, {})} for axis in ("xaxis", "yaxis")}
    return {"data": [trace.to_plotly_json() for trace in traces],
            "layout": go.Layout({**LAYOUT, **layout, **axes}).to_plotly_json()}


def template() -> dict[str, Any]:
    """The charts' shared template, as plotly.js takes it in layout.template."""
    return pio.templates[TEMPLATE].to_plotly_json()


def _values(series: pd.Series) -> list[Any]:
    """A column as JSON-ready values: NaN and NaT as None, timestamps as dates."""
    return [_value(v) for v in series.tolist()]


def _value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() and value.tzinfo is None else value.to_pydatetime()
    return value


# --- the fan chart, one per ASIN ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AsinChoice:
    """One entry of the ASIN picker."""

    key: str  # account|marketplace_id|asin
    label: str
    at_risk: bool


def asin_key(account: str, marketplace_id: str, asin: str) -> str:
    return f"{account}|{marketplace_id}|{asin}"


def fan_charts(rows: pd.DataFrame, risk: pd.DataFrame,
               history_weeks: int = DEFAULT_HISTORY_WEEKS) -> tuple[list[AsinChoice], dict[str, dict[str, Any]]]:
    """The picker's choices (ASINs at risk first, then by units sold over the shown history) and each ASIN's fan
    chart: history, the P10 to P90 band, P50, and Amazon's P70 to P90 band for the forecast weeks."""
    at_risk = {asin_key(r.account, r.marketplace_id, r.asin) for r in risk.itertuples() if r.stockout_risk == AT_RISK}
    ranked: list[tuple[bool, float, str, AsinChoice]] = []
    charts: dict[str, dict[str, Any]] = {}
    for (account, marketplace_id, asin), group in rows.groupby(["account", "marketplace_id", "asin"], sort=True):
        key = asin_key(account, marketplace_id, asin)
        group = group.sort_values("week_start")
        history = group[group["actual_units"].notna()]
        forecast = group[group["forecast_origin"].notna()]
        if not history.empty:
            first_shown = history["week_start"].max() - timedelta(weeks=history_weeks - 1)
            history = history[history["week_start"] >= first_shown]
        charts[key] = _fan_chart(history, forecast)
        names = group["item_name"].dropna()
        label = " · ".join([asin, *([names.iloc[-1]] if not names.empty else []), f"{account} {marketplace_id}"])
        choice = AsinChoice(key, label, key in at_risk)
        ranked.append((not choice.at_risk, -float(history["actual_units"].sum()), key, choice))
    return [entry[-1] for entry in sorted(ranked)], charts


def _fan_chart(history: pd.DataFrame, forecast: pd.DataFrame) -> dict[str, Any]:
    weeks = _values(forecast["week_start"])
    traces: list[go.BaseTraceType] = []
    if not forecast.empty:
        # A band is its upper edge, then its lower edge filled up to the upper one.
        traces += [
            go.Scatter(x=weeks, y=_values(forecast["p90"]), name="P90", mode="lines", line={"width": 0},
                       legendgroup="ours", showlegend=False, hoverinfo="skip"),
            go.Scatter(x=weeks, y=_values(forecast["p10"]), name="P10 to P90", mode="lines", line={"width": 0},
                       fill="tonexty", fillcolor=OURS_BAND, legendgroup="ours",
                       customdata=_values(forecast["p90"]),
                       hovertemplate="P10 %{y:.0f} to P90 %{customdata:.0f}<extra></extra>"),
        ]
        amazon = forecast[forecast["amazon_p90"].notna()]
        if not amazon.empty:
            amazon_weeks = _values(amazon["week_start"])
            traces += [
                go.Scatter(x=amazon_weeks, y=_values(amazon["amazon_p90"]), name="Amazon P90", mode="lines",
                           line={"color": AMAZON, "width": 1, "dash": "dot"}, legendgroup="amazon",
                           showlegend=False, hovertemplate="Amazon P90 %{y:.0f}<extra></extra>"),
                go.Scatter(x=amazon_weeks, y=_values(amazon["amazon_p70"]), name="Amazon P70 to P90", mode="lines",
                           line={"color": AMAZON, "width": 1, "dash": "dot"}, fill="tonexty",
                           fillcolor=AMAZON_BAND, legendgroup="amazon",
                           hovertemplate="Amazon P70 %{y:.0f}<extra></extra>"),
            ]
        traces.append(go.Scatter(x=weeks, y=_values(forecast["p50"]), name="P50", mode="lines",
                                 line={"color": OURS, "width": 2}, hovertemplate="P50 %{y:.0f}<extra></extra>"))
    traces.append(go.Scatter(x=_values(history["week_start"]), y=_values(history["actual_units"]),
                             name="units sold", mode="lines", line={"color": ACTUAL, "width": 1.5},
                             hovertemplate="sold %{y:.0f}<extra></extra>"))
    censored = history[history["actual_censored"].eq(True)]
    if not censored.empty:
        traces.append(go.Scatter(x=_values(censored["week_start"]), y=_values(censored["actual_units"]),
                                 name="stockout cut sales", mode="markers",
                                 marker={"color": ALERT, "symbol": "x", "size": 7},
                                 hovertemplate="stockout: sales understate demand<extra></extra>"))
    shapes = []
    if not forecast.empty:
        origin = _value(forecast["forecast_origin"].iloc[0])
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": origin, "x1": origin, "y0": 0, "y1": 1,
                       "line": {"color": "#9aa0a6", "width": 1, "dash": "dash"}})
    return _figure(traces, shapes=shapes, hovermode="x unified", height=380,
                   yaxis={"title": {"text": "units per week"}, "rangemode": "tozero"})


def stockout_note(risk: pd.DataFrame) -> dict[str, str]:
    """Per ASIN, one line on its stockout check, shown under its fan chart."""
    notes = {}
    for r in risk.itertuples():
        open_po = 0 if pd.isna(r.open_purchase_order_units) else r.open_purchase_order_units
        source = "PO lines" if r.open_purchase_order_units_source == "purchase_orders" else "inventory report"
        position = (f"{_count(r.sellable_on_hand_units)} on hand + {_count(open_po)} on open POs ({source}) = "
                    f"{_count(r.inventory_position_units)} units (week of {_day(r.inventory_week_start)})")
        if pd.isna(r.p90_demand_units):
            verdict = "no forecast to check against"
        else:
            demand = (f"P90 demand over {int(r.protection_weeks)} weeks (lead time {int(r.lead_time_weeks)} from "
                      f"{str(r.lead_time_source).replace('_', ' ')}, plus a review week): {_count(r.p90_demand_units)}")
            verdict = (f"{demand}, {_count(r.shortfall_units)} short: at risk of a stockout"
                       if r.stockout_risk == AT_RISK else f"{demand}: covered")
        notes[asin_key(r.account, r.marketplace_id, r.asin)] = f"{position}; {verdict}."
    return notes


def _count(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{round(float(value)):,}"


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _day(value: Any) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _minute(value: Any) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _percent(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.1%}"


def _number(value: Any, digits: int = 2) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.{digits}f}"


# --- inventory -----------------------------------------------------------------------------------------------

def stockout_risk_counts(risk: pd.DataFrame) -> dict[str, Any]:
    """ASINs per stockout check, one bar per source of the lead time."""
    sources = sorted(set(risk["lead_time_source"]))
    traces = []
    for check, label, colour in STOCKOUT_RISKS:
        counts = risk[risk["stockout_risk"] == check].groupby("lead_time_source")["asin"].nunique()
        traces.append(go.Bar(x=[s.replace("_", " ") for s in sources], y=[int(counts.get(s, 0)) for s in sources],
                             name=label, marker={"color": colour}))
    return _figure(traces, barmode="stack", xaxis={"title": {"text": "lead time learned from"}},
                   yaxis={"title": {"text": "ASINs"}})


STOCKOUT_COLUMNS = ("ASIN", "account", "marketplace", "inventory week", "on hand", "open POs", "from",
                    "lead time (weeks)", "P90 demand over lead time + review", "shortfall", "risk")


def stockout_risk_table(risk: pd.DataFrame) -> list[list[str]]:
    """The ASINs most short first (P90 demand over lead time plus review minus on hand and on order)."""
    ordered = risk.assign(at_risk=risk["stockout_risk"].eq(AT_RISK)).sort_values(
        ["at_risk", "shortfall_units"], ascending=[False, False], na_position="last")
    return [[r.asin, r.account, r.marketplace_id, _day(r.inventory_week_start), _count(r.sellable_on_hand_units),
             _count(r.open_purchase_order_units), r.open_purchase_order_units_source or "",
             str(int(r.lead_time_weeks)), _count(r.p90_demand_units),
             _count(r.shortfall_units) if r.at_risk else "", r.stockout_risk]
            for r in ordered.head(TABLE_ROWS).itertuples()]


def _by_marketplace(rows: pd.DataFrame, *keys: str) -> Iterator[tuple[pd.DataFrame, str, bool]]:
    """Each account and marketplace's rows (and further `keys`, e.g. the currency), by week: the rows, the suffix
    that names them in a legend when there are several, and whether there are several (one gets the house colours)."""
    groups = rows.sort_values("week_start").groupby(["account", "marketplace_id", *keys], sort=True)
    several = groups.ngroups > 1
    for (account, marketplace_id, *_), group in groups:
        yield group, f" ({account} {marketplace_id})" if several else "", several


# --- the supply plan -----------------------------------------------------------------------------------------

def plan_by_week(rows: pd.DataFrame) -> dict[str, Any]:
    """Per plan week of each account and marketplace: units to start (bars), Amazon's expected orders and the
    projected vendor on hand (lines)."""
    traces = []
    for group, suffix, several in _by_marketplace(rows):
        weeks = _values(group["week_start"])
        traces += [
            go.Bar(x=weeks, y=_values(group["start_units"]), name=f"units to start{suffix}",
                   marker={"color": OURS if not several else None},
                   customdata=_values(group["asins"]),
                   hovertemplate="start %{y:,.0f} units (%{customdata} ASINs planned)<extra></extra>"),
            go.Scatter(x=weeks, y=_values(group["expected_orders_units"]), name=f"Amazon's expected orders{suffix}",
                       mode="lines+markers", line={"color": AMAZON if not several else None},
                       hovertemplate="Amazon orders %{y:,.0f} units (mean)<extra></extra>"),
            go.Scatter(x=weeks, y=_values(group["projected_on_hand_units"]), name=f"projected on hand{suffix}",
                       mode="lines", line={"color": ACTUAL if not several else None, "dash": "dot"},
                       customdata=_values(group["lowest_expected_fill_rate"]),
                       hovertemplate="on hand %{y:,.0f} at the week's end; lowest expected fill "
                                     "%{customdata:.0%}<extra></extra>"),
        ]
    return _figure(traces, hovermode="x unified", xaxis={"title": {"text": "plan week"}},
                   yaxis={"title": {"text": "units"}, "rangemode": "tozero"})


PLAN_DECISION_COLUMNS = ("ASIN", "item", "account", "marketplace", "start", "available from", "lead time (weeks)",
                         "position", "order up to", "Amazon orders (week)", "expected fill", "defaults used",
                         "why")


def plan_decisions(rows: pd.DataFrame) -> list[list[str]]:
    """This week's decisions: the lowest expected fill first, then the largest starts."""
    ordered = rows.sort_values(["expected_fill_rate", "start_units"], ascending=[True, False], na_position="last")
    return [[r.asin, _text(r.item_name), r.account, r.marketplace_id, _count(r.start_units),
             _day(r.arrival_week_start), str(int(r.lead_time_weeks)), _count(r.inventory_position_units),
             _count(r.order_up_to_units), _count(r.expected_orders_units), _percent(r.expected_fill_rate),
             _text(r.defaults_used), _text(r.reason)]
            for r in ordered.head(TABLE_ROWS).itertuples()]


PO_ADVICE_COLUMNS = ("risk", "PO", "line", "ASIN", "account", "marketplace", "ship to", "due", "days left", "ordered",
                     "confirm", "short", "why")


def po_advice(rows: pd.DataFrame) -> list[list[str]]:
    """The advice for the open lines: the largest shortfall first, then the most urgent."""
    ordered = rows.sort_values(["shortfall_units", "days_left"], ascending=[False, True], na_position="last")
    return [[_text(r.risk).replace("_", " "), r.purchase_order_number, r.item_sequence_number, r.asin, r.account,
             r.marketplace_id,
             _text(r.ship_to_party_id), _minute(r.window_end), "" if pd.isna(r.days_left) else str(int(r.days_left)),
             _count(r.ordered_units), _count(r.confirm_units), _count(r.shortfall_units), _text(r.reason)]
            for r in ordered.head(TABLE_ROWS).itertuples()]


# --- purchase orders and OTIF --------------------------------------------------------------------------------

def otif_by_week(rows: pd.DataFrame) -> dict[str, Any]:
    """OTIF and fill rate per due week of each account and marketplace."""
    traces = []
    for group, suffix, several in _by_marketplace(rows):
        weeks = _values(group["week_start"])
        traces += [
            go.Scatter(x=weeks, y=_values(group["otif_rate"]), name=f"on time in full{suffix}", mode="lines+markers",
                       line={"color": OURS if not several else None, "width": 2},
                       customdata=_values(group["ordered_units"]),
                       hovertemplate="OTIF %{y:.1%} of %{customdata} units ordered<extra></extra>"),
            go.Scatter(x=weeks, y=_values(group["fill_rate"]), name=f"fill rate{suffix}", mode="lines",
                       line={"color": "#9aa0a6" if not several else None, "dash": "dot"},
                       hovertemplate="fill rate %{y:.1%}<extra></extra>"),
        ]
    return _figure(traces, hovermode="x unified", xaxis={"title": {"text": "week the lines were due"}},
                   yaxis={"title": {"text": "share of ordered units"}, "tickformat": ".0%", "rangemode": "tozero"})


WORST_ASIN_COLUMNS = ("ASIN", "account", "marketplace", "weeks", "ordered", "received", "on time in full", "OTIF",
                      "fill rate")


def otif_worst_asins(rows: pd.DataFrame) -> list[list[str]]:
    """The ASINs with the lowest OTIF first, the most units ordered first among equals."""
    ranked = rows.sort_values(["otif_rate", "ordered_units"], ascending=[True, False], na_position="last")
    return [[r.asin, r.account, r.marketplace_id, str(int(r.weeks)), _count(r.ordered_units), _count(r.received_units),
             _count(r.on_time_in_full_units), _percent(r.otif_rate), _percent(r.fill_rate)]
            for r in ranked.head(TABLE_ROWS).itertuples()]


OPEN_PO_COLUMNS = ("risk", "PO", "line", "ASIN", "account", "marketplace", "ship to", "confirmation", "due",
                   "days left", "units to deliver")
# Open lines in this order: the most urgent first.
OPEN_PO_RISK_ORDER = ("overdue", "unconfirmed", "due_soon")


def open_po_risk(rows: pd.DataFrame) -> list[list[str]]:
    ordered = rows.assign(rank=rows["risk"].map({r: i for i, r in enumerate(OPEN_PO_RISK_ORDER)})).sort_values(
        ["rank", "days_left", "units_to_deliver"], ascending=[True, True, False])
    return [[r.risk.replace("_", " "), r.purchase_order_number, r.item_sequence_number, r.asin, r.account,
             r.marketplace_id, r.ship_to or "", r.confirmation_status or "", _minute(r.window_end),
             "" if pd.isna(r.days_left) else str(int(r.days_left)), _count(r.units_to_deliver)]
            for r in ordered.head(TABLE_ROWS).itertuples()]


# --- accuracy ------------------------------------------------------------------------------------------------

def model_accuracy(rows: pd.DataFrame) -> dict[str, Any]:
    """Loss metrics of the latest run, one bar group per metric, one bar per model (Amazon's in orange)."""
    losses = rows[rows["metric"].isin(ACCURACY_CHART_METRICS)]
    metrics = [m for m in ACCURACY_CHART_METRICS if m in set(losses["metric"])]
    traces = []
    for model in sorted(set(losses["model"]), key=lambda m: (m == AMAZON_MODEL, m)):
        values = losses[losses["model"] == model].set_index("metric")["value"]
        traces.append(go.Bar(x=metrics, y=[_value(values.get(m)) for m in metrics], name=model,
                             marker={"color": AMAZON} if model == AMAZON_MODEL else None))
    return _figure(traces, barmode="group", yaxis={"title": {"text": "loss (lower is better)"}})


def accuracy_vs_amazon(rows: pd.DataFrame) -> dict[str, Any]:
    rows = rows.sort_values("horizon")
    horizons = _values(rows["horizon"])
    return _figure([
        go.Bar(x=horizons, y=_values(rows["wql_p70_p90"]), name="ours", marker={"color": OURS},
               customdata=_values(rows["weeks"]), hovertemplate="ours %{y:.3f} over %{customdata} weeks"),
        go.Bar(x=horizons, y=_values(rows["amazon_wql_p70_p90"]), name="Amazon", marker={"color": AMAZON},
               hovertemplate="Amazon %{y:.3f}"),
    ], barmode="group", xaxis={"title": {"text": "weeks ahead"}, "dtick": 1},
        yaxis={"title": {"text": "wQL, mean of P70, P80, P90"}})


def run_accuracy(runs: pd.DataFrame) -> dict[str, Any]:
    succeeded = runs[runs["status"] == "SUCCEEDED"].sort_values(["forecast_origin", "started_at"])
    succeeded = succeeded.drop_duplicates("forecast_origin", keep="last")
    origins = _values(succeeded["forecast_origin"])
    lines = (("wql_mean", "ours: mean wQL", OURS, "solid"),
             ("seasonal_naive_wql_mean", "seasonal naive: mean wQL", "#9aa0a6", "solid"),
             ("wql_p70_p90", "ours: wQL P70 to P90", OURS, "dot"),
             ("amazon_wql_p70_p90", "Amazon: wQL P70 to P90", AMAZON, "dot"))
    return _figure([go.Scatter(x=origins, y=_values(succeeded[column]), name=name, mode="lines+markers",
                               line={"color": colour, "dash": dash}) for column, name, colour, dash in lines],
                   xaxis={"title": {"text": "forecast origin"}}, yaxis={"title": {"text": "wQL (lower is better)"}})


RUN_COLUMNS = ("origin", "run", "trigger", "status", "ASINs forecast", "mean wQL", "seasonal naive",
               "wQL P70-P90", "Amazon P70-P90", "error")


def run_table(runs: pd.DataFrame) -> list[list[str]]:
    latest = runs.sort_values(["forecast_origin", "started_at"], ascending=False).head(10)
    return [[_day(r.forecast_origin), r.run_id, r.run_trigger or "", r.status, _count(r.items_forecast),
             _number(r.wql_mean, 3), _number(r.seasonal_naive_wql_mean, 3), _number(r.wql_p70_p90, 3),
             _number(r.amazon_wql_p70_p90, 3),
             "" if r.error is None or pd.isna(r.error) else f"{r.failed_state}: {r.error}"]
            for r in latest.itertuples()]


# --- sales ---------------------------------------------------------------------------------------------------

def sales_trend(rows: pd.DataFrame) -> dict[str, Any]:
    """Units per week of each account and marketplace, and the same retail week a year earlier (dotted)."""
    traces = []
    for group, suffix, several in _by_marketplace(rows, "currency_code"):
        weeks = _values(group["week_start"])
        traces += [
            go.Scatter(x=weeks, y=_values(group["units"]), name=f"units{suffix}", mode="lines",
                       line={"color": OURS if not several else None, "width": 2}),
            go.Scatter(x=weeks, y=_values(group["units_last_year"]), name=f"same week last year{suffix}",
                       mode="lines", line={"color": "#9aa0a6" if not several else None, "dash": "dot"}),
        ]
    return _figure(traces, hovermode="x unified", yaxis={"title": {"text": "units per week"}, "rangemode": "tozero"})


# --- catalog -------------------------------------------------------------------------------------------------

def catalog_changes_by_week(rows: pd.DataFrame) -> dict[str, Any]:
    counts = rows.groupby(["detected_week", "field"]).size().rename("changes").reset_index()
    traces = [go.Bar(x=_values(group["detected_week"]), y=_values(group["changes"]), name=field)
              for field, group in counts.groupby("field", sort=True)]
    return _figure(traces, barmode="stack", yaxis={"title": {"text": "changes"}})


CATALOG_COLUMNS = ("detected", "ASIN", "account", "marketplace", "field", "before", "after")


def catalog_changes_table(rows: pd.DataFrame) -> list[list[str]]:
    latest = rows.sort_values(["detected_at", "asin", "field"], ascending=[False, True, True]).head(TABLE_ROWS)
    return [[_minute(r.detected_at), r.asin, r.account, r.marketplace_id, r.field,
             r.before_value or "", r.after_value or ""] for r in latest.itertuples()]


# --- ingestion -----------------------------------------------------------------------------------------------

def _stream_label(row: Any, several: bool) -> str:
    return f"{row.report_table} ({row.account} {row.marketplace_id})" if several else row.report_table


def ingestion_heatmap(rows: pd.DataFrame) -> dict[str, Any]:
    """ASINs landed per report table and week: a missing week is a blank cell."""
    several = rows[["account", "marketplace_id"]].drop_duplicates().shape[0] > 1
    labelled = rows.assign(stream=[_stream_label(r, several) for r in rows.itertuples()])
    grid = labelled.pivot_table(index="stream", columns="week_start", values="asins", aggfunc="sum")
    documents = labelled.pivot_table(index="stream", columns="week_start", values="documents", aggfunc="sum")
    weeks = list(grid.columns)
    return _figure([go.Heatmap(
        x=[_value(pd.Timestamp(w)) for w in weeks], y=list(grid.index),
        z=[[_value(v) for v in row] for row in grid.to_numpy().tolist()],
        customdata=[[_value(v) for v in row] for row in documents.reindex_like(grid).to_numpy().tolist()],
        colorscale="Blues", colorbar={"title": {"text": "ASINs"}}, xgap=1, ygap=2,
        hovertemplate="%{y}<br>week of %{x}: %{z} ASINs from %{customdata} document(s)<extra></extra>",
    )], height=max(220, 90 + 34 * len(grid.index)))


INGESTION_COLUMNS = ("report", "account", "marketplace", "first week", "last week", "weeks landed",
                     "weeks missing", "latest stored")


def ingestion_table(rows: pd.DataFrame) -> list[list[str]]:
    """Per report table: the weeks it covers, the weeks missing between its first and last, and the latest
    document stored."""
    table = []
    for (report_table, account, marketplace_id), group in rows.groupby(
            ["report_table", "account", "marketplace_id"], sort=True):
        first, last = group["week_start"].min(), group["week_start"].max()
        landed = group["week_start"].nunique()
        expected = (pd.Timestamp(last) - pd.Timestamp(first)).days // 7 + 1
        table.append([report_table, account, marketplace_id, _day(first), _day(last), str(landed),
                      str(expected - landed), _minute(group["latest_ingested_at"].max())])
    return table


# --- registry ------------------------------------------------------------------------------------------------

# The figure builders and table builders by visual id (the fan chart is built per ASIN, above).
FIGURES: dict[str, Callable[[pd.DataFrame], dict[str, Any]]] = {
    "stockout_risk_counts": stockout_risk_counts,
    "plan_by_week": plan_by_week,
    "otif_by_week": otif_by_week,
    "model_accuracy": model_accuracy,
    "accuracy_vs_amazon": accuracy_vs_amazon,
    "run_accuracy": run_accuracy,
    "sales_trend": sales_trend,
    "catalog_changes_by_week": catalog_changes_by_week,
    "ingestion_heatmap": ingestion_heatmap,
}
TABLES: dict[str, tuple[tuple[str, ...], Callable[[pd.DataFrame], list[list[str]]]]] = {
    "stockout_risk_table": (STOCKOUT_COLUMNS, stockout_risk_table),
    "plan_decisions": (PLAN_DECISION_COLUMNS, plan_decisions),
    "po_advice": (PO_ADVICE_COLUMNS, po_advice),
    "otif_worst_asins": (WORST_ASIN_COLUMNS, otif_worst_asins),
    "open_po_risk": (OPEN_PO_COLUMNS, open_po_risk),
    "run_table": (RUN_COLUMNS, run_table),
    "catalog_changes_table": (CATALOG_COLUMNS, catalog_changes_table),
    "ingestion_table": (INGESTION_COLUMNS, ingestion_table),
}


__all__ = [
    "AT_RISK",
    "DEFAULT_HISTORY_WEEKS",
    "FIGURES",
    "TABLES",
    "AsinChoice",
    "asin_key",
    "fan_charts",
    "stockout_note",
    "template",
]
