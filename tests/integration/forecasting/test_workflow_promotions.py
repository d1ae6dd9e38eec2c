"""The forecast workflow with the vendor's promotion plan under inputs/promotions/ (the file the emulator's vendor
exports, past and planned, and a second file with a bad row): Prepare reads it into the shards, the pooled model
learns from it, and the run summary says what was used and which row to fix."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from tests.integration.forecasting.conftest import EmulatedLake, emulate, run_steps
from vendorcast.forecasting.workflow import workflow_storage
from vendorcast.lake.promotions import PROMOTION_COVARIATES, PROMOTION_DAYS
from vendorcast.lake.run_files import RunFiles
from vendorcast.synthetic_lake import PROMOTION_PLAN_WEEKS, WEEKLY_STREAMS, SyntheticLake, promotion_plan

pytestmark = pytest.mark.integration

SPEC = SyntheticLake(n_asins=24, first_week=date(2024, 6, 2), weeks=60, weeks_per_document=6, restatements=0,
                     streams=WEEKLY_STREAMS, catalog=False, promotions=True)
BAD_FILE = ("account,marketplace_id,asin,start_date,end_date,promotion_type,discount_percent,planned_price\n"
            f"{SPEC.account},{SPEC.marketplace_id},B000000001,2025-08-03,2025-08-09,coupon,half,\n")


@pytest.fixture(scope="module")
def promoted_lake() -> Iterator[EmulatedLake]:
    with emulate(SPEC) as lake:
        lake.storage.write_bytes("inputs/promotions/corrections.csv", BAD_FILE.encode())
        yield lake


@pytest.fixture(scope="module")
def published(promoted_lake: EmulatedLake) -> tuple[dict[str, Any], dict[str, Any]]:
    return run_steps("manual-promotions-run", horizon=4, backtest_windows=2, shard_size=10)


def test_the_plan_reaches_the_shards_and_the_model(promoted_lake: EmulatedLake, published: tuple) -> None:
    run, _ = published
    assert run["promotions"] is True
    origin = pd.Timestamp(run["origin"])
    files = RunFiles(workflow_storage(), run["run_id"])
    covariates = pd.concat([files.read_shard(s["shard"], "promotions").to_pandas() for s in run["shards"]])
    # The exported plan's promotions in the forecast weeks are there, known ahead, for the ASINs forecast.
    plan = promotion_plan(SPEC.simulator(), SPEC.account, SPEC.last_day + timedelta(weeks=PROMOTION_PLAN_WEEKS))
    last_day = origin + pd.Timedelta(weeks=4) - pd.Timedelta(days=1)
    planned = plan[(pd.to_datetime(plan["start_date"]) <= last_day) & (pd.to_datetime(plan["end_date"]) >= origin)]
    covariates["asin"] = covariates["item_id"].str.split("|").str[2]
    forecast_weeks = covariates[covariates["week_start"] >= origin]
    promoted = set(forecast_weeks.loc[forecast_weeks[PROMOTION_DAYS] > 0, "asin"])
    assert promoted and promoted == set(planned["asin"]) & set(covariates["asin"])
    assert forecast_weeks["week_start"].max() == origin + pd.Timedelta(weeks=3)  # up to the horizon
    # Past promotions are known too, so the pooled model learns from them: it uses them as features.
    assert (covariates.loc[covariates["week_start"] < origin, PROMOTION_DAYS] > 0).sum() > 10
    trained = files.read_models()
    model = trained[run["origin"]]["lightgbm_global"]
    used = {name for booster in model._boosters.values()
            for name, gain in zip(booster.feature_name(), booster.feature_importance("gain"), strict=True)
            if gain > 0}
    assert used & set(PROMOTION_COVARIATES)


def test_the_summary_names_the_bad_row_and_what_was_used(published: tuple) -> None:
    run, summary = published
    message = summary["message"]
    assert "Promotion plan: " in message and "from 2 file(s) under inputs/promotions/" in message
    assert ("inputs/promotions/corrections.csv row 1, discount_percent: 'half' is not a number; write a percent "
            "from 0 to 95") in message
    assert summary["items_forecast"] == run["series_count"] > 0
