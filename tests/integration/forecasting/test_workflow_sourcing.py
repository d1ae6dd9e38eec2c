"""A vendor whose sales reports come only in the SOURCING view (shipped units; no MANUFACTURING view): the
forecast workflow forecasts shipped units, and its rows say so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pyarrow.dataset as ds
import pytest

from tests.integration.forecasting.conftest import EmulatedLake, emulate, run_steps
from vendorcast.lake.forecast_tables import FORECAST
from vendorcast.lake.tables import UNITS_SOURCE_SHIPPED
from vendorcast.synthetic_lake import WEEKLY_STREAMS, SyntheticLake
from vendorcast.vocabulary.report_catalogue import ReportType

pytestmark = pytest.mark.integration

SOURCING_ONLY = tuple(s for s in WEEKLY_STREAMS
                      if not (s.report_type is ReportType.SALES and ("distributorView", "MANUFACTURING") in s.options))


@pytest.fixture(scope="module")
def sourcing_lake() -> Iterator[EmulatedLake]:
    assert len(SOURCING_ONLY) == len(WEEKLY_STREAMS) - 1
    with emulate(SyntheticLake(n_asins=12, first_week=date(2024, 6, 2), weeks=60, weeks_per_document=6,
                               restatements=0, streams=SOURCING_ONLY, catalog=False)) as lake:
        yield lake


@pytest.fixture(scope="module")
def published(sourcing_lake: EmulatedLake) -> tuple[dict[str, Any], dict[str, Any]]:
    return run_steps("manual-sourcing-run", horizon=4, backtest_windows=2)


def test_the_forecast_says_it_forecasts_shipped_units(sourcing_lake: EmulatedLake, published: tuple) -> None:
    _, summary = published
    rows = ds.dataset(sourcing_lake.storage.path(FORECAST.prefix), filesystem=sourcing_lake.storage.filesystem,
                      format="parquet", partitioning="hive").to_table().to_pandas()
    selected = rows[rows["selected"]]
    assert summary["items_forecast"] == selected["asin"].nunique() == 12
    assert set(rows["units_source"]) == {UNITS_SOURCE_SHIPPED}
