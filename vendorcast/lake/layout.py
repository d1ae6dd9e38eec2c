"""Where things live in the lake bucket: the one place that builds S3 keys for the landing and raw zones."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from vendorcast.resources import LANDING_PREFIX, RAW_PREFIX

if TYPE_CHECKING:
    # Only a type here: the window module brings in the config (pydantic, sp_api), which the Glue job lacks.
    from vendorcast.reports.windows import ReportWindow


def table_name(report_type: str) -> str:
    """GET_VENDOR_SALES_REPORT -> vendor_sales_report: the raw table of a report type."""
    name = report_type.lower()
    return name[len("get_"):] if name.startswith("get_") else name


def _partitions(account: str, marketplace_id: str, window: ReportWindow) -> str:
    # Hive-style partitions, so Glue and DuckDB read option values as columns.
    parts = [f"account={account}", f"marketplace_id={marketplace_id}"]
    parts += [f"{key.lower()}={quote(value, safe='')}" for key, value in window.report_options]
    return "/".join(parts)


def _file_stem(window: ReportWindow, report_id: str) -> str:
    return f"{window.start}_{window.end}_{window.pull}_{report_id}"


def landing_key(account: str, marketplace_id: str, window: ReportWindow, report_id: str, compressed: bool) -> str:
    """The document exactly as SP-API served it."""
    suffix = ".json.gz" if compressed else ".json"
    return (f"{LANDING_PREFIX}/{table_name(window.report_type)}/{_partitions(account, marketplace_id, window)}/"
            f"{_file_stem(window, report_id)}{suffix}")


def raw_key(account: str, marketplace_id: str, window: ReportWindow, report_id: str) -> str:
    """One typed Parquet file per document."""
    return (f"{RAW_PREFIX}/{table_name(window.report_type)}/{_partitions(account, marketplace_id, window)}/"
            f"{_file_stem(window, report_id)}.parquet")


def work_raw_key(table: str, account: str, marketplace_id: str, stem: str) -> str:
    """A raw file of the catalog watch (catalog_items, catalog_changes) or the purchase orders pull
    (purchase_orders, purchase_order_items, purchase_order_status), named by the work it records."""
    return f"{RAW_PREFIX}/{table}/account={account}/marketplace_id={marketplace_id}/{quote(stem, safe='')}.parquet"


# The landing folder of the purchase orders pull: each page of Vendor Orders as served, by feed.
ORDERS_LANDING_TABLE = "purchase_orders"


def orders_landing_key(account: str, marketplace_id: str, feed: str, stem: str) -> str:
    """One page of the Vendor Orders API as Amazon served it (JSON)."""
    return (f"{LANDING_PREFIX}/{ORDERS_LANDING_TABLE}/account={account}/marketplace_id={marketplace_id}/"
            f"feed={feed}/{quote(stem, safe='')}.json")
