"""The forecast workflow's e-mails (published by the state machine to the alert topic): a finished run's accuracy
next to seasonal naive's and Amazon's, or the step a failed run stopped in and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vendorcast.alerts.topic import sns_subject


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    trigger: str
    origin: date
    horizon: int
    backtest_windows: int
    items_forecast: int
    items_cold_start: int
    wql_mean: float | None
    seasonal_naive_wql_mean: float | None
    coverage_p10_p90: float | None
    wql_p70_p90: float | None
    amazon_wql_p70_p90: float | None
    # What was used of the vendor's input files (inputs/), and each problem to fix in them.
    input_notes: tuple[str, ...] = ()
    # Marketplaces whose known events end before the forecast does (vendorcast.forecasting.calendar).
    warnings: tuple[str, ...] = ()


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def render_run_succeeded(summary: RunSummary) -> tuple[str, str]:
    """(subject, message) of a finished run."""
    subject = (f"vendorcast forecast {summary.origin}: {summary.items_forecast} ASINs, wQL "
               f"{_figure(summary.wql_mean)} (seasonal naive {_figure(summary.seasonal_naive_wql_mean)})")
    lines = [
        f"The vendorcast forecast run {summary.run_id} ({summary.trigger}) finished.",
        "",
        f"Forecast origin: {summary.origin} (week 1), horizon {summary.horizon} weeks.",
        f"ASINs forecast: {summary.items_forecast} ({summary.items_cold_start} new, forecast from similar items).",
        "",
        f"Backtest over {summary.backtest_windows} rolling origins (weighted quantile loss, lower is better):",
        f"  vendorcast ensemble, mean wQL P10/P50/P90: {_figure(summary.wql_mean)}",
        f"  seasonal naive, same weeks:                {_figure(summary.seasonal_naive_wql_mean)}",
        f"  share of actual weeks inside P10-P90:      {_figure(summary.coverage_p10_p90)} (0.8 when calibrated)",
    ]
    if summary.amazon_wql_p70_p90 is not None:
        lines += [
            "On the weeks Amazon's own forecast covered, mean wQL at P70/P80/P90:",
            f"  vendorcast: {_figure(summary.wql_p70_p90)}   Amazon: {_figure(summary.amazon_wql_p70_p90)}",
        ]
    if summary.input_notes:
        lines += ["", *summary.input_notes]
    if summary.warnings:
        lines += ["", "Warnings:", *(f"  {warning}" for warning in summary.warnings)]
    lines += ["", "Query: SELECT * FROM v_forecast_latest (Athena workgroup of this deployment)."]
    return sns_subject(subject), "\n".join(lines)


def render_run_failed(run_id: str, failed_state: str, error: str, cause: str,
                      forecast_published: bool = False) -> tuple[str, str]:
    """(subject, message) of a run that failed in `failed_state`; `forecast_published` when it failed after its
    forecast was published (in Plan): the forecast stands, the plan does not."""
    subject = f"vendorcast forecast run FAILED in {failed_state}: {error}"
    if forecast_published:
        kept = ("The run is recorded in forecast_runs with status FAILED. Its forecast was published before the "
                "failure and stays the one v_forecast_latest shows; no plan was written for it, so "
                "v_supply_plan_latest and v_po_advice_open still show the previous plan.")
    else:
        kept = ("The run is recorded in forecast_runs with status FAILED; the previous successful forecast stays "
                "the one v_forecast_latest shows.")
    message = "\n".join([
        f"The vendorcast forecast run {run_id} failed in the {failed_state} step.",
        "",
        f"Error: {error}",
        f"Cause: {cause}",
        "",
        f"{kept} Runbook: docs/operations.md, 'A forecast run failed'.",
    ])
    return sns_subject(subject), message
