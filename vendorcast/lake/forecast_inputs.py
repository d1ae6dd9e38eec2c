"""What the forecast workflow reads from the curated lake: weekly demand per account, marketplace and ASIN before
the origin, what each series' units measure, and Amazon's retail forecast snapshots, in the engine's long shape
(vendorcast.forecasting.panel), each series named by one key and described by one row of `series`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from vendorcast.forecasting.backtest import REFERENCE_COLUMNS
from vendorcast.forecasting.panel import CENSORED, ITEM, TARGET, WEEK
from vendorcast.forecasting.run import ForecastInputError
from vendorcast.lake.query import LocalLake
from vendorcast.lake.storage import LakeStorage

# Past-only covariates of demand_weekly (none of them is known ahead for Amazon's retail side).
LAKE_COVARIATES = ("average_selling_price", "glance_views", "out_of_stock_rate")
SERIES_COLUMNS = (ITEM, "account", "marketplace_id", "asin", "units_source")
AMAZON_QUANTILES = ("p70", "p80", "p90")

_DEMAND_SQL = (f"SELECT account, marketplace_id, asin, week_start, units, units_source, censored, "
               f"{', '.join(LAKE_COVARIATES)} FROM demand_weekly WHERE week_start < ?")
_AMAZON_SQL = ("SELECT account, marketplace_id, asin, forecast_generation_date AS generated_on, "
               "target_week_start AS week_start, mean_forecast_units AS mean, p70_forecast_units AS p70, "
               "p80_forecast_units AS p80, p90_forecast_units AS p90 FROM amazon_forecast "
               "WHERE selling_program = 'RETAIL' AND forecast_generation_date < ?")


@dataclass
class ForecastInputs:
    origin: date
    demand: pd.DataFrame  # item_id, week_start, units, censored, LAKE_COVARIATES
    series: pd.DataFrame  # SERIES_COLUMNS: one row per item_id
    amazon: pd.DataFrame  # REFERENCE_COLUMNS + AMAZON_QUANTILES, generated before the origin


def _series_key(frame: pd.DataFrame) -> pd.Series:
    """The series id the engine works with; `series` maps it back to account, marketplace and ASIN."""
    return frame["account"] + "|" + frame["marketplace_id"] + "|" + frame["asin"]


def _latest_week(lake: LocalLake) -> date:
    latest = lake.query("SELECT max(week_start) AS latest FROM demand_weekly", dialect="duckdb").to_pylist()
    if latest[0]["latest"] is None:
        raise ForecastInputError("demand_weekly is empty: no weekly sales have been published yet")
    return latest[0]["latest"]


def read_forecast_inputs(storage: LakeStorage, origin: date | None) -> ForecastInputs:
    """The weeks of demand_weekly before `origin` (default: the week after the latest published week) and the
    Amazon snapshots generated before it."""
    with LocalLake.open(storage) as lake:
        if "demand_weekly" not in lake.tables:
            raise ForecastInputError("the lake has no demand_weekly table yet: run the publish_lake job first")
        origin = origin or _latest_week(lake) + timedelta(days=7)
        demand = lake.connection.execute(_DEMAND_SQL, [origin]).df()
        amazon = (lake.connection.execute(_AMAZON_SQL, [origin]).df() if "amazon_forecast" in lake.tables
                  else pd.DataFrame(columns=["account", "marketplace_id", "asin", *REFERENCE_COLUMNS[1:],
                                             *AMAZON_QUANTILES]))
    if demand.empty:
        raise ForecastInputError(f"demand_weekly has no week before {origin}: no weekly sales to learn from")
    demand[ITEM] = _series_key(demand)
    demand[WEEK] = pd.to_datetime(demand[WEEK])
    demand[TARGET] = demand["units"].astype(float)
    demand[CENSORED] = demand[CENSORED].astype("boolean").fillna(False).astype(bool)
    # What each series' units measure (ordered, or shipped where only the SOURCING view exists): its latest week's.
    latest = demand.dropna(subset=["units_source"]).sort_values(WEEK).drop_duplicates(ITEM, keep="last")
    series = (demand.drop_duplicates(ITEM)[[ITEM, "account", "marketplace_id", "asin"]]
              .merge(latest[[ITEM, "units_source"]], on=ITEM, how="left").sort_values(ITEM, ignore_index=True))
    amazon[ITEM] = _series_key(amazon) if len(amazon) else pd.Series(dtype=str)
    return ForecastInputs(origin, demand[[ITEM, WEEK, TARGET, CENSORED, *LAKE_COVARIATES]], series,
                          amazon[[*REFERENCE_COLUMNS, *AMAZON_QUANTILES]])
