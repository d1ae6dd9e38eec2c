"""The event calendar per marketplace: the shipped events files, their checks, the features each marketplace's
items read, and the warning when a forecast reaches past a marketplace's known events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vendorcast.alerts.forecast_run import RunSummary, render_run_succeeded
from vendorcast.forecasting import calendar
from vendorcast.forecasting.calendar import (
    EVENTS_DIR,
    CalendarError,
    calendar_features,
    calendar_warning,
    event_calendar,
    event_names,
    last_forecast_day,
    read_events,
)
from vendorcast.forecasting.features import FeatureBuilder, Rows
from vendorcast.forecasting.panel import to_dense
from vendorcast.forecasting.run import Run
from vendorcast.forecasting.workflow import calendar_warnings

US, UK, DE, JP, AU = "ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A1VC38T7YXB528", "A39IBJ37TRP1C6"
EU = {"UK": UK, "DE": DE, "FR": "A13V1IB3VIYZZH", "IT": "APJ6JRA9NG5V4", "ES": "A1RKKUPIHCS9HS"}


def _week(start: str, marketplace_id: str) -> dict[str, float]:
    features = calendar_features(pd.DatetimeIndex([start]), marketplace_id)
    return {name: float(values[0]) for name, values in features.items()}


def test_prime_day_2025_differs_between_japan_and_europe() -> None:
    # Europe and the US: July 8-11; Japan: July 11-14 (Amazon's announcements).
    for marketplace_id in (US, *EU.values()):
        assert _week("2025-07-06", marketplace_id)["event_prime_day"] == 1.0
        assert _week("2025-07-13", marketplace_id)["event_prime_day"] == 0.0
    assert _week("2025-07-06", JP)["event_prime_day"] == 0.5
    assert _week("2025-07-13", JP)["event_prime_day"] == 0.5


def test_each_country_has_its_own_holidays() -> None:
    golden_week = "2026-04-26"  # Sunday April 26 to Saturday May 2: four of Golden Week's seven days
    assert _week(golden_week, JP)["event_golden_week"] == pytest.approx(4 / 7)
    assert _week(golden_week, US)["event_golden_week"] == 0.0
    assert _week("2026-12-13", UK)["event_boxing_day"] == 0.0
    assert _week("2026-12-20", UK)["event_boxing_day"] == 1.0
    assert _week("2026-12-20", DE)["event_boxing_day"] == 0.0
    # Mothering Sunday (UK) is three weeks before Easter; Muttertag (DE) the second Sunday of May.
    assert _week("2026-03-08", UK)["event_mothers_day"] == pytest.approx(6 / 7)
    assert _week("2026-05-03", DE)["event_mothers_day"] == pytest.approx(6 / 7)
    assert _week("2026-03-08", DE)["event_mothers_day"] == 0.0
    # Black Friday: Thursday to Saturday in the US, Friday to Sunday in Europe; no Cyber Monday in Japan.
    assert _week("2026-11-22", US)["event_black_friday"] == 1.0
    assert _week("2026-11-22", DE)["event_black_friday"] == pytest.approx(2 / 3)
    assert _week("2026-11-30", JP)["event_cyber_monday"] == 0.0
    assert _week("2026-11-30", DE)["event_cyber_monday"] == 1.0


def test_every_marketplace_has_the_same_feature_columns() -> None:
    columns = {tuple(_week("2025-01-05", m)) for m in (US, JP, AU, *EU.values())}
    assert len(columns) == 1
    assert {"event_prime_day", "event_golden_week", "event_boxing_day"} <= set(event_names())


def test_the_shipped_files_parse_and_reach_the_same_day() -> None:
    files = sorted(EVENTS_DIR.glob("*.csv"))
    assert {f.stem for f in files} >= {"US", "UK", "DE", "FR", "IT", "ES", "JP"}
    last_days = {read_events(f, f.stem).last_day for f in files}
    assert last_days == {date(2027, 12, 31)}


def test_items_read_their_own_marketplaces_calendar() -> None:
    weeks = pd.date_range("2024-01-07", "2025-06-29", freq="7D")
    history = pd.DataFrame({"item_id": np.repeat(["jp-item", "us-item"], len(weeks)),
                            "week_start": np.tile(weeks, 2), "units": 5.0})
    panel = to_dense(history, horizon=4)
    panel.marketplaces = np.array([JP, US])
    builder = FeatureBuilder(panel)
    origin = panel.week_index(pd.Timestamp("2025-07-06"))
    features, _ = builder.build(Rows(np.array([0, 1]), np.array([origin, origin]), np.array([1, 1])))
    assert features["event_prime_day"].tolist() == [0.5, 1.0]


def test_a_forecast_past_the_last_known_event_is_warned_about() -> None:
    last = event_calendar(DE).last_day
    assert calendar_warning(DE, last) is None
    warning = calendar_warning(DE, date(2028, 3, 25))
    assert warning is not None
    assert "DE (A1PA6795UKMFR9)" in warning and "2027-12-31" in warning and "DE.csv" in warning
    # A marketplace with no events file at all is warned about too.
    assert "no event calendar" in (calendar_warning(AU, date(2026, 1, 1)) or "")
    assert last_forecast_day(date(2027, 12, 5), 12) == date(2028, 2, 26)


def test_the_run_e_mail_carries_the_warnings() -> None:
    summary = RunSummary("run-1", "scheduled", date(2027, 12, 5), 12, 3, 10, 0, 0.3, 0.4, 0.8, None, None,
                         warnings=(calendar_warning(JP, date(2028, 2, 26)) or "",))
    _, message = render_run_succeeded(summary)
    assert "Warnings:" in message and "JP (A1VC38T7YXB528)" in message


@pytest.mark.parametrize(("line", "error"), [
    ("prime_day,2026-07-14,2026-07-1,announced", "line 3: last_day '2026-07-1' is not a date; write YYYY-MM-DD"),
    ("prime_day,2026-07-14,2026-07-13,announced", "line 3: last_day 2026-07-13 is before first_day 2026-07-14"),
    ("Prime Day,2026-07-14,2026-07-15,announced", "line 3: event 'Prime Day' must be lower-case"),
    ("prime_day,2026-07-14,2026-07-15,rumoured", "line 3: status 'rumoured' is not one of"),
    ("prime_day,2026-07-14,announced", "line 3: 3 values"),
])
def test_a_bad_events_file_says_which_line_to_fix(tmp_path: Path, line: str, error: str) -> None:
    path = tmp_path / "DE.csv"
    path.write_text(f"# comment\nevent,first_day,last_day,status\n{line}\n")
    with pytest.raises(CalendarError, match=error.replace("(", r"\(")):
        read_events(path, "DE")


def test_a_user_extends_the_calendar_without_a_code_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "DE.csv").write_text((EVENTS_DIR / "DE.csv").read_text()
                                     + "prime_day,2028-07-11,2028-07-14,announced\n"
                                     + "brand_week,2028-03-06,2028-03-12,announced\n")
    monkeypatch.setattr(calendar, "EVENTS_DIR", tmp_path)
    event_calendar.cache_clear()
    event_names.cache_clear()
    try:
        assert calendar_warning(DE, date(2028, 7, 14)) is None
        assert _week("2028-03-05", DE)["event_brand_week"] == pytest.approx(6 / 7)
    finally:
        event_calendar.cache_clear()
        event_names.cache_clear()


def test_a_run_warns_once_per_marketplace_past_its_events(caplog: pytest.LogCaptureFixture) -> None:
    run = Run(run_id="weekly-2027-12-05", started_at=datetime(2027, 12, 8, tzinfo=UTC), trigger="scheduled",
              origin=date(2027, 12, 5), horizon=12, backtest_windows=3, series_count=3, first_week=date(2025, 1, 5),
              shards=[{"shard": 0, "items": 3}], distributed=False)
    warnings = calendar_warnings(run, [DE, DE, JP, US])
    assert [w.split(" ")[0] for w in warnings] == ["DE", "JP", "US"]
    assert all("2028-02-26" in w for w in warnings)
    assert sum("weekly-2027-12-05" in r.getMessage() for r in caplog.records if r.levelname == "WARNING") == 3
    earlier = run.model_copy(update={"origin": date(2026, 12, 6)})
    assert calendar_warnings(earlier, [DE, JP, US]) == []
