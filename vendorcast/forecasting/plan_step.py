"""The forecast workflow's Plan step (stepfunctions/forecast.asl.json, after Publish): read what a plan needs from
the lake (vendorcast.lake.planning_inputs), plan (vendorcast.planning.plan_supply), write po_forecast, po_advice and
supply_plan for the run's origin, and word the plan digest and the fill-rate alert the workflow e-mails. Vendor input
rows that cannot be used are listed in the digest; they never fail the step."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

import pandas as pd

from vendorcast.alerts.plan_digest import (
    BelowTargetLine,
    ConfirmLine,
    PlanDigest,
    StartLine,
    render_fill_alert,
    render_plan_digest,
)
from vendorcast.forecasting.run import Run, validated
from vendorcast.forecasting.workflow import workflow_storage
from vendorcast.lake.forecast_rows import planning_rows
from vendorcast.lake.forecast_tables import PO_ADVICE, PO_FORECAST, SUPPLY_PLAN, write_run_partition
from vendorcast.lake.glue_catalog import GlueCatalog
from vendorcast.lake.planning_inputs import read_planning_inputs
from vendorcast.planning.plan import PlanResult, plan_supply
from vendorcast.planning.settings import PlanningSettings

log = logging.getLogger(__name__)


def plan_run(event: dict[str, Any], settings: PlanningSettings) -> dict[str, Any]:
    """Plan from the run's published forecast and write the three tables (a re-run of the run rewrites the same
    objects). Returns {"summary", "digest": {subject, message}, "alert": {subject, message} | None, "below_target"}."""
    run = validated(Run, event.get("run"), "Plan")
    storage = workflow_storage()
    inputs = read_planning_inputs(storage, settings, origin=run.origin, run_id=run.run_id)
    result = plan_supply(inputs, settings)
    catalog = GlueCatalog.from_environment(storage)
    # supply_plan last: the views take a run with supply_plan rows as a run whose plan is written whole.
    for table, frame in ((PO_FORECAST, result.po_forecast), (PO_ADVICE, result.po_advice),
                         (SUPPLY_PLAN, result.supply_plan)):
        write_run_partition(storage, catalog, table, run.origin, run.run_id,
                            planning_rows(table, frame, run.run_id, run.started_at))
    digest = plan_digest(result, settings, run)
    log.info("planned run %s: %d ASINs, %d below the fill target, %d input problem(s)", run.run_id,
             digest.asins_planned, len(digest.below_target), len(digest.problems))
    subject, message = render_plan_digest(digest)
    alert = None
    if digest.below_target:
        alert_subject, alert_message = render_fill_alert(digest)
        alert = {"subject": alert_subject, "message": alert_message}
    return {"summary": plan_summary(digest), "digest": {"subject": subject, "message": message}, "alert": alert,
            "below_target": len(digest.below_target)}


def plan_digest(result: PlanResult, settings: PlanningSettings, run: Run) -> PlanDigest:
    """What the digest and the alert say of a plan: the decision week (horizon 1) and the PO advice."""
    plan = result.supply_plan
    decision = plan[plan["horizon"] == 1]
    starting = decision[decision["start_units"] > 0].sort_values(["start_units", "asin"], ascending=[False, True])
    advice = result.po_advice
    short = advice[advice["shortfall_units"] > 0].sort_values(["shortfall_units", "purchase_order_number"],
                                                              ascending=[False, True])
    below = result.below_target(settings.fill_rate_target).sort_values(["expected_fill_rate", "asin"])
    return PlanDigest(
        run_id=run.run_id, origin=run.origin, fill_rate_target=settings.fill_rate_target,
        asins_planned=len(decision[["account", "marketplace_id", "asin"]].drop_duplicates()),
        units_to_start=float(decision["start_units"].sum()), asins_to_start=len(starting),
        open_lines_advised=len(advice), units_ordered=float(advice["ordered_units"].sum()),
        units_to_confirm=float(advice["confirm_units"].sum()),
        asins_defaulted=int((decision["defaults_used"].fillna("") != "").sum()),
        starts=[StartLine(r.asin, float(r.start_units), pd.Timestamp(r.arrival_week_start).date(), r.reason)
                for r in starting.itertuples()],
        short_confirmations=[ConfirmLine(r.purchase_order_number, r.asin, float(r.ordered_units),
                                         float(r.confirm_units), r.reason) for r in short.itertuples()],
        below_target=[BelowTargetLine(r.asin, float(r.expected_fill_rate), float(r.expected_orders_units),
                                      float(r.projected_on_hand_units), r.reason) for r in below.itertuples()],
        problems=[str(problem) for problem in result.problems],
    )


def plan_summary(digest: PlanDigest) -> dict[str, Any]:
    """The plan's figures, as the execution's output and the demo's summary show them: counts only, so the state
    stays far below Step Functions' 256 KiB whatever the catalogue (the views hold the rows)."""
    figures = {k: v for k, v in asdict(digest).items()
               if k not in ("starts", "short_confirmations", "below_target", "problems")}
    return {**figures, "origin": digest.origin.isoformat(), "asins_below_target": len(digest.below_target),
            "input_problems": len(digest.problems)}


__all__ = ["plan_digest", "plan_run", "plan_summary"]
