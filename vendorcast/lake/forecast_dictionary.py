"""The "Forecast tables" section of docs/data-dictionary.md, rendered from the forecast table contract
(vendorcast/lake/forecast_tables.py); `python -m vendorcast.lake.forecast_dictionary` rewrites that section of the
page (appending it when absent) and leaves the rest; a test keeps the two equal."""

from __future__ import annotations

import sys
from pathlib import Path

from vendorcast.lake.dictionary import table_section
from vendorcast.lake.forecast_tables import (
    ACCURACY_METRICS,
    AMAZON_MODEL,
    FORECAST_TABLES,
    RUN_STATUS_SUCCEEDED,
    ForecastTable,
)
from vendorcast.resources import FORECAST_PREFIX, GLUE_DATABASE, SUPPLY_INPUTS_PREFIX

FORECAST_SECTION_HEADING = "# Forecast tables"

_INTRO = f"""{FORECAST_SECTION_HEADING}

Generated from `vendorcast/lake/forecast_tables.py` (`python -m vendorcast.lake.forecast_dictionary` rewrites
this section); a test fails when this section and the contract disagree.

The forecast workflow (`stepfunctions/forecast.asl.json`) writes these tables as Parquet under
`s3://<lake bucket>/{FORECAST_PREFIX}/<table>/` and registers them in the Glue database `{GLUE_DATABASE}` beside
the curated tables.

- **Partitioned by `forecast_origin`** (in the object keys only, as for curated tables): one run forecasts every
  account and marketplace from one origin and writes one partition per table. A re-run of an origin adds files
  beside the earlier run's; `run_id` tells them apart, nothing is overwritten.
- **`selected`** marks the forecast to plan with (the ensemble, or the model the backtest chose for the ASIN's
  segment); other models' rows are kept for comparison. The analyst views read selected rows of runs whose
  forecast was published (`forecast_runs.forecast_published`: `{RUN_STATUS_SUCCEEDED}` runs, and runs that failed
  later, in Plan).
- **The plan** (`po_forecast`, `supply_plan`, `po_advice`) is written by the Plan step after Publish, from the
  run's selected forecast, the curated purchase orders and inventory, and the vendor's own files under
  `{SUPPLY_INPUTS_PREFIX}/` (docs/planning.md); a re-run of the same run rewrites the same objects. Views:
  `v_supply_plan_latest`, `v_po_advice_open`.
- **Horizons** count weeks ahead from 1, the week starting on `forecast_origin`. Weeks run Sunday to Saturday.
- **forecast_accuracy is long**: one metric per row, so a new metric needs no schema change. Null in `account`,
  `marketplace_id`, `asin`, `backtest_window` or `horizon` means pooled over all of them. Amazon's own forecast is
  scored on the same weeks as model `{AMAZON_MODEL}`.

Metrics (`forecast_accuracy.metric`):

""" + "\n".join(f"- `{name}`: {definition}." for name, definition in ACCURACY_METRICS.items()) + "\n"


def _forecast_section(table: ForecastTable) -> str:
    return table_section(table, f"Written by: {table.written_by}, under `{table.prefix}/`")


def render_forecast_dictionary() -> str:
    """The "Forecast tables" section as Markdown, heading included."""
    return "\n".join([_INTRO, *(_forecast_section(t) for t in FORECAST_TABLES.values())])


def forecast_section_bounds(document: str) -> tuple[int, int] | None:
    """Where the section is in a page: from its heading to the next top-level heading or the end."""
    start = document.find(f"\n{FORECAST_SECTION_HEADING}\n")
    if start < 0:
        return None
    end = document.find("\n# ", start + 1)
    return start + 1, len(document) if end < 0 else end + 1


def update_forecast_dictionary(path: Path) -> None:
    """Rewrite the section in the page at `path`, or append it; the page's other sections are kept."""
    document = path.read_text(encoding="utf-8")
    bounds = forecast_section_bounds(document)
    section = render_forecast_dictionary()
    if bounds is None:
        document = document.rstrip("\n") + "\n\n" + section
    else:
        start, end = bounds
        document = document[:start] + section + ("\n" if end < len(document) else "") + document[end:]
    path.write_text(document, encoding="utf-8")


if __name__ == "__main__":
    update_forecast_dictionary(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/data-dictionary.md"))
