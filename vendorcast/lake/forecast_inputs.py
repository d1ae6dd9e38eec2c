"""What the forecast workflow reads from the lake: weekly demand per account, marketplace and ASIN before the
origin, what each series' units measure, Amazon's retail forecast snapshots, and the vendor's promotion plan as
covariates known ahead, in the forecasting engine's long shape (item_id, week_start, units, censored, covariates;
see vendorcast.forecasting.panel), each series named by one id and described by one row of `series`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from vendorcast.lake.promotions import HISTORY_PRICE, PromotionPlan, grid_weeks, read_promotion_plan
from vendorcast.lake.query import LocalLake
from vendorcast.lake.storage import LakeStorage

# The series id column, as the engine names it; `series` maps it back to account, marketplace and ASIN.
SERIES_ID = "item_id"
# Past-only covariates of demand_weekly (none of them is known ahead for Amazon's retail side).
LAKE_COVARIATES = ("average_selling_price", "glance_views", "out_of_stock_rate")
DEMAND_COLUMNS = (SERIES_ID, "week_start", "units", "censored", *LAKE_COVARIATES)
SERIES_COLUMNS = (SERIES_ID, "account", "marketplace_id", "asin", "units_source")
# Amazon's forecasts as the engine scores another forecaster's (vendorcast.forecasting.backtest.REFERENCE_COLUMNS).
AMAZON_COLUMNS = (SERIES_ID, "generated_on", "week_start", "mean", "p70", "p80", "p90")


class MissingForecastInput(ValueError):
    """The lake holds nothing to forecast from yet; the message says what to run first."""

_DEMAND_SQL = (f"SELECT account, marketplace_id, asin, week_start, units, units_source, censored, "
               f"{', '.join(LAKE_COVARIATES)} FROM demand_weekly WHERE week_start < ?")
_AMAZON_SQL = ("SELECT account, marketplace_id, asin, forecast_generation_date AS generated_on, "
               "target_week_start AS week_start, mean_forecast_units AS mean, p70_forecast_units AS p70, "
               "p80_forecast_units AS p80, p90_forecast_units AS p90 FROM amazon_forecast "
               "WHERE selling_program = 'RETAIL' AND forecast_generation_date < ?")


@dataclass
class ForecastInputs:
    origin: date
    demand: pd.DataFrame  # DEMAND_COLUMNS
    series: pd.DataFrame  # SERIES_COLUMNS: one row per series
    amazon: pd.DataFrame  # AMAZON_COLUMNS, generated before the origin
    promotions: PromotionPlan  # covariates from the first week to the last forecast week


def _series_key(frame: pd.DataFrame) -> pd.Series:
    """The series id the engine works with; `series` maps it back to account, marketplace and ASIN."""
    return frame["account"] + "|" + frame["marketplace_id"] + "|" + frame["asin"]


def _latest_week(lake: LocalLake) -> date:
    latest = lake.query("SELECT max(week_start) AS latest FROM demand_weekly", dialect="duckdb").to_pylist()
    if latest[0]["latest"] is None:
        raise MissingForecastInput("demand_weekly is empty: no weekly sales have been published yet")
    return latest[0]["latest"]


def read_forecast_inputs(storage: LakeStorage, origin: date | None, horizon: int) -> ForecastInputs:
    """The weeks of demand_weekly before `origin` (default: the week after the latest published week), the
    Amazon snapshots generated before it, and the promotion plan up to the `horizon`-th week from the origin."""
    with LocalLake.open(storage) as lake:
        if "demand_weekly" not in lake.tables:
            raise MissingForecastInput("the lake has no demand_weekly table yet: run the publish_lake job first")
        origin = origin or _latest_week(lake) + timedelta(days=7)
        demand = lake.connection.execute(_DEMAND_SQL, [origin]).df()
        amazon = (lake.connection.execute(_AMAZON_SQL, [origin]).df() if "amazon_forecast" in lake.tables
                  else pd.DataFrame(columns=["account", "marketplace_id", "asin", *AMAZON_COLUMNS[1:]]))
    if demand.empty:
        raise MissingForecastInput(f"demand_weekly has no week before {origin}: no weekly sales to learn from")
    demand[SERIES_ID] = _series_key(demand)
    demand["week_start"] = pd.to_datetime(demand["week_start"])
    demand["units"] = demand["units"].astype(float)
    demand["censored"] = demand["censored"].astype("boolean").fillna(False).astype(bool)
    # What each series' units measure (ordered, or shipped where only the SOURCING view exists): its latest week's.
    latest = demand.dropna(subset=["units_source"]).sort_values("week_start").drop_duplicates(SERIES_ID, keep="last")
    series = (demand.drop_duplicates(SERIES_ID)[[SERIES_ID, "account", "marketplace_id", "asin"]]
              .merge(latest[[SERIES_ID, "units_source"]], on=SERIES_ID, how="left")
              .sort_values(SERIES_ID, ignore_index=True))
    amazon[SERIES_ID] = _series_key(amazon) if len(amazon) else pd.Series(dtype=str)
    prices = demand[[SERIES_ID, "week_start", HISTORY_PRICE]].rename(columns={HISTORY_PRICE: "price"})
    promotions = read_promotion_plan(storage, series, grid_weeks(demand["week_start"].min().date(),
                                                                 origin + timedelta(weeks=horizon - 1)), prices)
    return ForecastInputs(origin, demand[list(DEMAND_COLUMNS)], series, amazon[list(AMAZON_COLUMNS)], promotions)
