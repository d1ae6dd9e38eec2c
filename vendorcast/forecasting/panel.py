"""The one data shape of forecasting: a long panel of (item_id, week_start, units, covariates), checked at the
edge, and its dense form (items x weeks matrices) that the models compute on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vendorcast.forecasting.errors import PanelError

ITEM = "item_id"
WEEK = "week_start"
TARGET = "units"
# Optional boolean column: True where stockouts cut the week's sales (units understate demand).
CENSORED = "censored"
RESERVED = (ITEM, WEEK, TARGET, CENSORED)
WEEK_DAYS = 7


def check_history(history: pd.DataFrame, source: str = "history") -> pd.DataFrame:
    """The history in canonical form (item_id string, week_start datetime64 at midnight, units float), sorted, or
    a PanelError naming the column or rows to fix."""
    missing = [c for c in (ITEM, WEEK, TARGET) if c not in history.columns]
    if missing:
        raise PanelError(f"{source}: missing column(s) {', '.join(missing)}; a history needs item_id (string), "
                         "week_start (date) and units (number; net of returns, so a week may be negative)")
    frame = _canonical(history, source)
    units = pd.to_numeric(frame[TARGET], errors="coerce")
    bad = frame[TARGET].notna() & units.isna()
    if bad.any():
        raise PanelError(f"{source}: units must be numbers; row {int(np.flatnonzero(bad)[0])} has "
                         f"{frame[TARGET][bad].iloc[0]!r}")
    # A negative week is real (returns above the week's sales): kept as data, and forecasts stay at or above 0.
    frame[TARGET] = units.astype(float)
    if CENSORED in frame.columns:
        frame[CENSORED] = frame[CENSORED].fillna(False).astype(bool)
    if frame.empty:
        raise PanelError(f"{source}: no rows")
    return frame


def check_future(future: pd.DataFrame, covariates: Sequence[str], source: str = "future") -> pd.DataFrame:
    """Known future covariates (planned price, promotions) in canonical form. Its covariate columns must be
    history covariates; the history's covariates it lacks are known only up to the origin."""
    missing = [c for c in (ITEM, WEEK) if c not in future.columns]
    if missing:
        raise PanelError(f"{source}: missing column(s) {', '.join(missing)}; a future file needs item_id and "
                         "week_start plus planned values of some of the history's covariate columns")
    unknown = [c for c in future.columns if c not in (ITEM, WEEK) and c not in covariates]
    if unknown:
        raise PanelError(f"{source}: column(s) {', '.join(unknown)} are not covariates of the history; a future "
                         f"file may give only {', '.join(covariates) or 'no covariates (the history has none)'}")
    return _canonical(future, source)


def _canonical(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    frame = frame.copy()
    if frame[ITEM].isna().any():
        raise PanelError(f"{source}: item_id is empty on {int(frame[ITEM].isna().sum())} row(s)")
    frame[ITEM] = frame[ITEM].astype(str)
    try:
        frame[WEEK] = pd.to_datetime(frame[WEEK]).dt.tz_localize(None).dt.normalize()
    except (TypeError, ValueError) as exc:
        raise PanelError(f"{source}: week_start must be dates (YYYY-MM-DD): {exc}") from None
    if frame[WEEK].isna().any():
        raise PanelError(f"{source}: week_start is empty on {int(frame[WEEK].isna().sum())} row(s)")
    weekdays = frame[WEEK].dt.dayofweek.unique()
    if len(weekdays) > 1:
        raise PanelError(f"{source}: week_start falls on {len(weekdays)} different weekdays; every week must "
                         "start on the same weekday (weekly data)")
    duplicated = frame.duplicated([ITEM, WEEK])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise PanelError(f"{source}: item {row[ITEM]} has week {row[WEEK].date()} more than once; give one row "
                         "per item and week")
    for column in frame.columns:
        if column in RESERVED:
            continue
        converted = pd.to_numeric(frame[column], errors="coerce")
        if frame[column].notna().sum() != converted.notna().sum():
            raise PanelError(f"{source}: column {column} is not numeric; covariates must be numbers (drop or "
                             "encode other columns)")
        frame[column] = converted.astype(float)
    return frame.sort_values([ITEM, WEEK], kind="stable").reset_index(drop=True)


def covariate_columns(history: pd.DataFrame) -> list[str]:
    """The history's covariates: every column but item_id, week_start, units and censored."""
    return [c for c in history.columns if c not in RESERVED]


@dataclass
class DensePanel:
    """The panel as items x weeks matrices on one weekly grid (week 0 = `start`): units with NaN for unknown
    weeks (missing or censored when masking), covariates with NaN where unknown."""

    items: np.ndarray  # item ids, in row order
    start: pd.Timestamp
    units: np.ndarray  # float64 (n_items, n_weeks): demand as observed, NaN unknown
    censored: np.ndarray  # bool (n_items, n_weeks)
    covariates: dict[str, np.ndarray]
    first_week: np.ndarray  # int (n_items,): first week with observed units (the item's launch)
    history_weeks: int = 0  # weeks of history; the weeks after them carry known future covariates only
    # Covariates whose values are known ahead (planned price, promotions): the model may read them in the forecast
    # week. The others are read only up to the origin.
    known_covariates: frozenset[str] = frozenset()
    # Forecast snapshots of another forecaster (Amazon's): item row, available_from (the first origin week that
    # may read it: the week after the one it was generated in), target week, mean, p90. See attach_snapshots.
    snapshots: pd.DataFrame | None = None
    # Each item's marketplace id, whose event calendar its features read (None: every item's is the US one).
    marketplaces: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not self.history_weeks:
            self.history_weeks = self.units.shape[1]

    @property
    def n_weeks(self) -> int:
        return self.units.shape[1]

    def demand(self, mask_censored: bool = True) -> np.ndarray:
        """The units as the models read demand: a net-negative week (returns above its sales) as a week of no
        demand, and censored weeks unknown when masking (their sales understate demand)."""
        units = np.clip(self.units, 0, None)
        return np.where(self.censored, np.nan, units) if mask_censored else units

    def week_index(self, week: pd.Timestamp) -> int:
        return int((pd.Timestamp(week) - self.start).days // WEEK_DAYS)

    def week_start(self, index: int | np.ndarray) -> pd.DatetimeIndex | pd.Timestamp:
        return self.start + pd.to_timedelta(np.asarray(index) * WEEK_DAYS, unit="D")


# An item with no week at all among this many before the origin has stopped selling (Amazon's reports list an ASIN
# in every period it is on sale, with zero units if none sold: rows stop when it is discontinued or delisted). Its
# forecast is zero: the models would otherwise carry its last level on for ever. A quarter, so that a user's file
# that leaves out weeks of no sales loses only items quiet for that long.
STOPPED_SELLING_WEEKS = 13


def stopped_selling(panel: DensePanel, origin: int) -> np.ndarray:
    """Boolean per item: launched before `origin` and with no known week in the STOPPED_SELLING_WEEKS before it."""
    recent = panel.units[:, max(origin - STOPPED_SELLING_WEEKS, 0):origin]
    return (panel.first_week < origin) & np.isnan(recent).all(axis=1)


def to_dense(history: pd.DataFrame, future: pd.DataFrame | None = None, horizon: int = 0,
             end: pd.Timestamp | None = None, known_covariates: Sequence[str] | None = None,
             start: pd.Timestamp | None = None) -> DensePanel:
    """The dense form of a checked history, extended by `horizon` weeks past `end` (default: the history's last
    week) with the future covariates filled in where given. Known covariates: `known_covariates`, else the
    future's covariate columns. `start` (default: the first week) fixes week 0, so shards share one grid."""
    covariates = covariate_columns(history)
    items = np.array(sorted(history[ITEM].unique()))
    start = history[WEEK].min() if start is None else pd.Timestamp(start)
    last = end if end is not None else history[WEEK].max()
    n_weeks = int((last - start).days // WEEK_DAYS) + 1 + horizon
    row_of = pd.Series(np.arange(len(items)), index=items)
    rows = row_of.loc[history[ITEM]].to_numpy()
    cols = ((history[WEEK] - start).dt.days // WEEK_DAYS).to_numpy()
    if ((history[WEEK] - start).dt.days % WEEK_DAYS != 0).any():
        raise PanelError("history: week_start dates are not whole weeks apart")
    units = np.full((len(items), n_weeks), np.nan)
    units[rows, cols] = history[TARGET].to_numpy()
    censored = np.zeros((len(items), n_weeks), dtype=bool)
    if CENSORED in history.columns:
        censored[rows, cols] = history[CENSORED].to_numpy()
    dense_covariates = {}
    for name in covariates:
        matrix = np.full((len(items), n_weeks), np.nan)
        matrix[rows, cols] = history[name].to_numpy()
        dense_covariates[name] = matrix
    if future is not None and len(future):
        known = future[future[ITEM].isin(row_of.index)]
        f_rows = row_of.loc[known[ITEM]].to_numpy()
        f_cols = ((known[WEEK] - start).dt.days // WEEK_DAYS).to_numpy()
        inside = (f_cols >= 0) & (f_cols < n_weeks)
        for name in [c for c in covariates if c in known.columns]:
            # The history wins where both give a value (the future file only adds what is planned).
            matrix = dense_covariates[name]
            values = known[name].to_numpy()[inside]
            target = matrix[f_rows[inside], f_cols[inside]]
            matrix[f_rows[inside], f_cols[inside]] = np.where(np.isnan(target), values, target)
    observed = ~np.isnan(units)
    first_week = np.where(observed.any(axis=1), observed.argmax(axis=1), n_weeks)
    if known_covariates is None:
        known_covariates = [c for c in covariates if future is not None and c in future.columns]
    return DensePanel(items, start, units, censored, dense_covariates, first_week, n_weeks - horizon,
                      frozenset(known_covariates))


SNAPSHOT_COLUMNS = (ITEM, "generated_on", WEEK, "mean", "p90")


def attach_snapshots(panel: DensePanel, snapshots: pd.DataFrame) -> None:
    """Give the panel another forecaster's snapshots (columns SNAPSHOT_COLUMNS; generated_on is the day it was
    made). A snapshot can inform a forecast only from the first origin week starting after the day it was
    generated, so no forecast sees one made on or after its origin."""
    missing = [c for c in SNAPSHOT_COLUMNS if c not in snapshots.columns]
    if missing:
        raise PanelError(f"snapshots: missing column(s) {', '.join(missing)}")
    row_of = pd.Series(np.arange(len(panel.items)), index=panel.items)
    known = snapshots[snapshots[ITEM].isin(row_of.index)]
    generated = pd.to_datetime(known["generated_on"])
    targets = pd.to_datetime(known[WEEK])
    panel.snapshots = pd.DataFrame({
        "item": row_of.loc[known[ITEM]].to_numpy().astype(np.int64),
        "available_from": ((generated - panel.start).dt.days // WEEK_DAYS + 1).to_numpy().astype(np.int64),
        "target": ((targets - panel.start).dt.days // WEEK_DAYS).to_numpy().astype(np.int64),
        "mean": known["mean"].to_numpy(dtype=float),
        "p90": known["p90"].to_numpy(dtype=float),
    }).sort_values("available_from", kind="stable").reset_index(drop=True)
