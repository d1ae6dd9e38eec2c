"""The vendor's promotion plan (files under inputs/promotions/): its past and planned deals, coupons and price
discounts per ASIN, and what the forecast reads of it as covariates known ahead on the weekly grid: the share of
each week's days under a promotion, and the week's mean discount against the ASIN's recent price."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.vendor_inputs import (
    SOURCE_FILE,
    SOURCE_ROW,
    BadValue,
    InputColumn,
    InputProblem,
    VendorInput,
    number_between,
    one_of,
    parse_date,
    parse_text,
    parse_vendor_file,
    read_vendor_inputs,
)

PROMOTIONS = "promotions"  # inputs/promotions/
PROMOTION_TYPES = ("price_discount", "coupon", "best_deal", "lightning_deal", "deal_of_the_day",
                   "prime_exclusive_discount", "prime_day_deal", "other")
# The covariates, known ahead: share of the week's 7 days under a promotion (0 to 1), and the week's discount
# averaged over its 7 days (0.2 = a 20% discount all week). Weeks the plan does not cover have neither.
PROMOTION_DAYS = "promotion_days"
PROMOTION_DEPTH = "promotion_depth"
PROMOTION_COVARIATES = (PROMOTION_DAYS, PROMOTION_DEPTH)
# A longer "promotion" is a price change; the discount is measured against prices before it starts.
MAX_PROMOTION_DAYS = 92
# A planned price is compared with the median weekly selling price of the ASIN over this many weeks before it.
RECENT_PRICE_WEEKS = 13
# Problems the run summary lists at most (the rest are in the log).
MAX_LISTED_PROBLEMS = 20
_ASIN = re.compile(r"^[A-Z0-9]{10}$")
# The forecasting engine's long shape (vendorcast.forecasting.panel names the same columns; the lake stands below it).
ITEM = "item_id"
WEEK = "week_start"
PRICE = "price"
# The history column a planned price is compared with (demand_weekly's; a forecast-file history may have it too).
HISTORY_PRICE = "average_selling_price"


def parse_asin(value: Any) -> str:
    text = str(value).strip().upper()
    if not _ASIN.match(text):
        raise BadValue(f"{value!r} is not an ASIN (10 letters and digits, e.g. B0C1234567)")
    return text


_TERMS = (
    InputColumn("start_date", parse_date),
    InputColumn("end_date", parse_date),
    InputColumn("promotion_type", one_of(PROMOTION_TYPES)),
    InputColumn("discount_percent", number_between(0, 95, "a percent"), required=False),
    InputColumn("planned_price", number_between(0.01, 1_000_000, "a price"), required=False),
)
# The lake's file names the series by marketplace and ASIN (and the account, where several sell the same ASIN).
LAKE_COLUMNS = (InputColumn("account", parse_text, required=False), InputColumn("marketplace_id", parse_text),
                InputColumn("asin", parse_asin), *_TERMS)
# A file for `vendorcast forecast-file` names the series by the history's item_id.
FILE_COLUMNS = (InputColumn(ITEM, parse_text), *_TERMS)


def check_terms(row: dict[str, Any]) -> Iterable[tuple[str, str]]:
    if row["end_date"] < row["start_date"]:
        yield "end_date", f"{row['end_date']} is before start_date {row['start_date']}"
    elif (row["end_date"] - row["start_date"]).days + 1 > MAX_PROMOTION_DAYS:
        yield "end_date", (f"the promotion lasts more than {MAX_PROMOTION_DAYS} days; split it, or give a lasting "
                           "price change as a new planned_price in shorter promotions")
    if row["discount_percent"] is None and row["planned_price"] is None:
        yield "discount_percent", "give discount_percent or planned_price (or both)"


@dataclass
class PromotionPlan:
    """The plan as covariates (item_id, week_start, PROMOTION_COVARIATES; only weeks the plan covers), how many
    rows it used, its problems (the files' and the rows' whose planned price has nothing to compare with), and notes
    (rows of ASINs with no sales in the lake), in words."""

    covariates: pd.DataFrame
    rows_used: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """Lines for the run summary: what was used, the notes, then the problems (at most MAX_LISTED_PROBLEMS)."""
        if not self.files:
            return []
        lines = [f"Promotion plan: {self.rows_used} row(s) used from {self.files} file(s) under inputs/{PROMOTIONS}/"
                 f", {len(self.problems)} problem(s)."]
        lines += [f"  {p}" for p in [*self.notes, *self.problems[:MAX_LISTED_PROBLEMS]]]
        if len(self.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  ... and {len(self.problems) - MAX_LISTED_PROBLEMS} more (see the Prepare step's log)")
        return lines


def _problem(row: pd.Series, column: str, message: str) -> str:
    return str(InputProblem(row[SOURCE_FILE], int(row[SOURCE_ROW]), column, message))


def recent_prices(prices: pd.DataFrame) -> pd.DataFrame:
    """item_id, week_start, recent: the median price of the item's last RECENT_PRICE_WEEKS known weeks up to each
    week (prices: item_id, week_start, price)."""
    known = prices.dropna(subset=[PRICE]).sort_values([ITEM, WEEK], kind="stable")
    recent = known.groupby(ITEM)[PRICE].transform(lambda s: s.rolling(RECENT_PRICE_WEEKS, min_periods=1).median())
    return pd.DataFrame({ITEM: known[ITEM].to_numpy(), WEEK: pd.to_datetime(known[WEEK]).to_numpy(),
                         "recent": recent.to_numpy()})


def with_discounts(rows: pd.DataFrame, prices: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    """The rows with `discount` (a fraction): discount_percent / 100, else 1 - planned_price / the recent price
    (recent_prices over the weeks ending before the promotion starts); rows with neither, with their problem."""
    rows = rows.reset_index(drop=True).copy()
    rows["discount"] = pd.to_numeric(rows["discount_percent"], errors="coerce") / 100.0
    priced = rows["discount"].isna()
    if priced.any():
        keys = pd.DataFrame({"position": np.flatnonzero(priced), ITEM: rows.loc[priced, ITEM].to_numpy(),
                             "before": pd.to_datetime(rows.loc[priced, "start_date"]).to_numpy()
                             - np.timedelta64(7, "D")}).sort_values("before", kind="stable")
        recent = recent_prices(prices) if prices is not None else pd.DataFrame(columns=[ITEM, WEEK, "recent"])
        recent = recent.astype({WEEK: "datetime64[ns]", "recent": float}).sort_values(WEEK, kind="stable")
        keys["before"] = keys["before"].astype("datetime64[ns]")
        found = pd.merge_asof(keys, recent, left_on="before", right_on=WEEK, by=ITEM, direction="backward")
        planned = pd.to_numeric(rows.loc[found["position"], "planned_price"], errors="coerce").to_numpy()
        rows.loc[found["position"], "discount"] = np.clip(1.0 - planned / found["recent"].to_numpy(), -1.0, 0.95)
    missing = rows["discount"].isna()
    problems = [_problem(row, "planned_price", f"no selling price of {row[ITEM]} is known before "
                         f"{row['start_date']} to compare it with; give discount_percent instead")
                for _, row in rows[missing].iterrows()]
    return rows[~missing], problems


def weekly_covariates(rows: pd.DataFrame, items: pd.DataFrame, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """PROMOTION_COVARIATES of every item and week the plan covers. rows: item_id, scope, start_date, end_date,
    discount. items: item_id, scope. A scope's plan covers the weeks that overlap its rows' first to last day; in
    them an item without promotion has 0, and overlapping promotions count once, at the deepest discount."""
    columns = [ITEM, WEEK, *PROMOTION_COVARIATES]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    start = pd.to_datetime(rows["start_date"]).to_numpy()
    days = (pd.to_datetime(rows["end_date"]).to_numpy() - start) // np.timedelta64(1, "D") + 1
    position = np.repeat(np.arange(len(rows)), days)
    offset = np.arange(days.sum()) - np.repeat(np.cumsum(days) - days, days)
    daily = pd.DataFrame({ITEM: rows[ITEM].to_numpy()[position],
                          "day": start[position] + offset * np.timedelta64(1, "D"),
                          "discount": rows["discount"].to_numpy(dtype=float)[position]})
    daily = daily[daily["discount"] > 0].groupby([ITEM, "day"], as_index=False)["discount"].max()
    # Amazon's weeks run Sunday to Saturday.
    daily[WEEK] = daily["day"] - pd.to_timedelta((daily["day"].dt.dayofweek + 1) % 7, unit="D")
    promoted = daily.groupby([ITEM, WEEK]).agg(days=("discount", "size"), depth=("discount", "sum")) / 7.0
    spans = rows.assign(first=pd.to_datetime(rows["start_date"]), last=pd.to_datetime(rows["end_date"])).groupby(
        "scope").agg(first=("first", "min"), last=("last", "max"))
    grid = items[[ITEM, "scope"]].merge(spans, left_on="scope", right_index=True).merge(
        pd.DataFrame({WEEK: weeks}), how="cross")
    grid = grid[(grid[WEEK] <= grid["last"]) & (grid[WEEK] + pd.Timedelta(days=6) >= grid["first"])]
    grid = grid[[ITEM, WEEK]].merge(promoted, left_on=[ITEM, WEEK], right_index=True, how="left")
    return pd.DataFrame({ITEM: grid[ITEM].to_numpy(), WEEK: grid[WEEK].to_numpy(),
                         PROMOTION_DAYS: grid["days"].fillna(0.0).to_numpy(),
                         PROMOTION_DEPTH: grid["depth"].fillna(0.0).to_numpy()}).reset_index(drop=True)


def plan_covariates(found: VendorInput, rows: pd.DataFrame, items: pd.DataFrame, weeks: pd.DatetimeIndex,
                    prices: pd.DataFrame | None) -> PromotionPlan:
    """The covariates of the rows matched to series (item_id, scope and the file's columns), with the files'
    problems and those of rows whose planned price has nothing to compare with."""
    usable, price_problems = with_discounts(rows, prices)
    return PromotionPlan(weekly_covariates(usable, items, weeks), len(usable), len(found.files),
                         [*map(str, found.problems), *price_problems])


def read_promotion_plan(storage: LakeStorage, series: pd.DataFrame, weeks: pd.DatetimeIndex,
                        prices: pd.DataFrame | None = None) -> PromotionPlan:
    """The lake's promotion plan for `series` (item_id, account, marketplace_id, asin) on `weeks`; a marketplace's
    plan covers all its series. A row without account applies to every account selling the ASIN there; a row
    naming no series in the lake is not used, and noted (a typo, or an ASIN with no sales yet)."""
    found = read_vendor_inputs(storage, PROMOTIONS, LAKE_COLUMNS, check_terms)
    rows = found.rows
    if rows.empty:
        return PromotionPlan(weekly_covariates(rows, series, weeks), 0, len(found.files),
                             list(map(str, found.problems)))
    rows = rows.assign(row_id=np.arange(len(rows)))
    matched = rows.merge(series[[ITEM, "account", "marketplace_id", "asin"]], on=["marketplace_id", "asin"],
                         suffixes=("", "_series"))
    matched = matched[matched["account"].isna() | (matched["account"] == matched["account_series"])]
    unmatched = rows[~rows["row_id"].isin(matched["row_id"])]
    plan = plan_covariates(found, matched.assign(scope=matched["marketplace_id"]),
                           series.assign(scope=series["marketplace_id"]), weeks, prices)
    if len(unmatched):
        asins = sorted(set(unmatched["asin"]))
        plan.notes.append(f"{len(unmatched)} row(s) of {len(asins)} ASIN(s) with no weekly sales in the lake for "
                          "their marketplace (and account) were not used (not selling yet, or a typo?): "
                          f"{', '.join(asins[:5])}{' ...' if len(asins) > 5 else ''}")
    return plan


def file_promotion_plan(name: str, content: bytes, history: pd.DataFrame, weeks: pd.DatetimeIndex) -> PromotionPlan:
    """The promotion plan of a `vendorcast forecast-file` run (FILE_COLUMNS) for the items of a checked history
    (item_id, week_start, units, optionally HISTORY_PRICE); the plan covers every item."""
    found = parse_vendor_file(name, content, FILE_COLUMNS, check_terms)
    rows = found.rows.assign(scope="file")
    known = rows[ITEM].isin(set(history[ITEM]))
    prices = (history[[ITEM, WEEK, HISTORY_PRICE]].rename(columns={HISTORY_PRICE: PRICE})
              if HISTORY_PRICE in history.columns else None)
    items = pd.DataFrame({ITEM: history[ITEM].unique(), "scope": "file"})
    plan = plan_covariates(found, rows[known], items, weeks, prices)
    plan.problems += [_problem(row, ITEM, f"{row[ITEM]} is not an item of the history; ignored")
                      for _, row in rows[~known].iterrows()]
    return plan


def grid_weeks(first_week: date, last_week: date) -> pd.DatetimeIndex:
    """The weekly grid from `first_week` to `last_week` (Sundays), both included."""
    return pd.date_range(pd.Timestamp(first_week), pd.Timestamp(last_week), freq=timedelta(days=7))
