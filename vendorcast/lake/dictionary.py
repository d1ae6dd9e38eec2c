"""The curated tables' section of docs/data-dictionary.md (the page's first section, up to the next top-level
heading), rendered from the curated table contract (vendorcast/lake/tables.py). `python -m
vendorcast.lake.dictionary` rewrites that section in place and keeps the sections other contracts render; a test
keeps the page's copy equal to this rendering."""

from __future__ import annotations

import sys
from pathlib import Path

from vendorcast.lake.tables import (
    CENSORED_OUT_OF_STOCK_RATE,
    CURATED_TABLES,
    DEMAND_SELLING_PROGRAM,
    RAW_INPUTS,
    CuratedTable,
    LakeTable,
)
from vendorcast.resources import CURATED_PREFIX, GLUE_DATABASE

_INTRO = f"""# Data dictionary: the curated tables

Generated from `vendorcast/lake/tables.py` (`python -m vendorcast.lake.dictionary` rewrites this section); a
test fails when the two disagree, so change the contract there and regenerate.

The publishing job (`glue_jobs/publish_lake.py`, Spark on Glue; DuckDB in the embedded runtime) builds these
tables from the raw zone with the SQL in `vendorcast/lake/sql/`, writes them as Parquet (zstd) under
`s3://<lake bucket>/{CURATED_PREFIX}/<table>/` with Hive-style partitions, and registers them in the Glue database
`{GLUE_DATABASE}`, where Athena and QuickSight read them.

Rules that hold for every table:

- **One row per business key.** Amazon restates its figures; a table keeps the latest restatement of each key
  (highest `last_updated_date`, then latest `ingested_at`) and says which document it came from.
- **Partition columns are not in the files.** They are in the object keys only (`account=.../marketplace_id=...`)
  and appear as columns in Athena after the data columns, in the order listed. Filter on them to prune.
- **Incremental.** A run rebuilds only the partitions whose raw input changed (a new raw file for one week
  rewrites that week's partition), from every raw file with rows in it; a run with nothing new writes nothing.
- **By-ASIN rows only.** The raw zone's aggregate rows (`row_level = 'aggregate'`) are not curated: they are
  sums over the ASINs. The hourly real-time reports are not curated.
- **Weeks** are Amazon's retail weeks, Sunday to Saturday. `start_week` is the Sunday on or before a row's
  `start_date`.
- **demand_weekly** reads the `{DEMAND_SELLING_PROGRAM}` selling program and flags a week `censored` when its
  out-of-stock rate is at least {CENSORED_OUT_OF_STOCK_RATE} (`CENSORED_OUT_OF_STOCK_RATE`).

Types are Spark SQL / Glue types: `timestamp` is UTC (Parquet timestamps adjusted to UTC, microseconds).
"""


def _curated_section(table: CuratedTable) -> str:
    raw_inputs = [f"`{RAW_INPUTS[v].prefix}/`" if v in RAW_INPUTS else f"`{v}`" for v in table.inputs]
    return table_section(table, f"Built by: `vendorcast/lake/sql/{table.sql_file}` from {', '.join(raw_inputs)}")


def table_section(table: LakeTable, origin: str) -> str:
    """One table's section: description, grain, key, partitions, `origin` (what writes it), every column."""
    lines = [
        f"## {table.name}",
        "",
        table.description,
        "",
        f"- Grain: {table.grain}.",
        f"- Business key: {', '.join(f'`{c}`' for c in table.business_key)}.",
        f"- Partitions: {' / '.join(f'`{c.name}`' for c in table.partition_columns)}.",
        f"- {origin}.",
        "",
        "| column | type | description |",
        "|---|---|---|",
    ]
    lines += [f"| `{c.name}` | {c.type} | {c.description} |" for c in table.columns]
    lines += [f"| `{c.name}` | {c.type} | {c.description} (partition) |" for c in table.partition_columns]
    return "\n".join(lines) + "\n"


def render_data_dictionary() -> str:
    """The curated tables' section as Markdown: the page's title, rules and one section per table."""
    contents = ["## Tables", ""] + [f"- [{name}](#{name})" for name in CURATED_TABLES] + [""]
    return "\n".join([_INTRO, *contents, *(_curated_section(t) for t in CURATED_TABLES.values())])


def other_sections(document: str) -> str:
    """What follows the curated tables' section: from the page's second top-level heading on ("" if none)."""
    start = document.find("\n# ")
    return "" if start < 0 else document[start + 1:]


def update_data_dictionary(path: Path) -> None:
    """Rewrite the curated tables' section of the page at `path`, keeping the sections after it."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    rest = other_sections(existing)
    path.write_text(render_data_dictionary() + ("\n" + rest if rest else ""), encoding="utf-8")


if __name__ == "__main__":
    update_data_dictionary(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/data-dictionary.md"))
