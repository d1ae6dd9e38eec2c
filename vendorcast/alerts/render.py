"""An alert digest rendered per SNS protocol: readable text for e-mail, compact JSON for everything else (SQS, Lambda,
HTTP, email-json), one SNS message (`MessageStructure=json`) carrying both, and a subject line that says what
changed and how many items."""

from __future__ import annotations

import json
from typing import Any

from vendorcast.alerts.digest import PURCHASE_ORDER_KINDS, AlertDigest, ChangeAlert, ConditionAlert, ConditionKind
from vendorcast.alerts.topic import MESSAGE_LIMIT_BYTES, SnsMessage, sns_subject
from vendorcast.config import MARKETPLACES
from vendorcast.vocabulary.catalog_fields import FIELDS, display_lines

SUBJECT_PREFIX = "vendorcast: "
JSON_FORMAT_VERSION = 1
# A value this long (before and after together) gets a line of its own.
_INLINE_LIMIT = 90

# Amazon's retail site per marketplace country (python-amazon-sp-api names the marketplaces, not their sites).
RETAIL_DOMAINS = {
    "US": "amazon.com", "CA": "amazon.ca", "MX": "amazon.com.mx", "BR": "amazon.com.br", "GB": "amazon.co.uk",
    "DE": "amazon.de", "FR": "amazon.fr", "IT": "amazon.it", "ES": "amazon.es", "NL": "amazon.nl",
    "SE": "amazon.se", "PL": "amazon.pl", "BE": "amazon.com.be", "IE": "amazon.ie", "TR": "amazon.com.tr",
    "EG": "amazon.eg", "SA": "amazon.sa", "AE": "amazon.ae", "IN": "amazon.in", "ZA": "amazon.co.za",
    "JP": "amazon.co.jp", "AU": "amazon.com.au", "SG": "amazon.sg",
}

_CONDITION_TITLES = {
    ConditionKind.OUT_OF_STOCK: "Out of stock",
    ConditionKind.GONE_FROM_SALES: "Gone from sales reports",
    ConditionKind.REPORT_FAILED: "Report failed",
    ConditionKind.PO_UNACKNOWLEDGED: "Purchase orders not acknowledged",
    ConditionKind.PO_AT_RISK: "Purchase order lines due, units not received",
    ConditionKind.OTIF_BELOW_TARGET: "On-time-in-full below target",
}


def product_page_url(marketplace_id: str, asin: str) -> str:
    """The detail page of an ASIN on the marketplace's retail site."""
    country = MARKETPLACES[marketplace_id][0]
    return f"https://www.{RETAIL_DOMAINS[country]}/dp/{asin}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def render_subject(digest: AlertDigest) -> str:
    """E.g. `vendorcast: title, main image changed on B0C1234567; 2 ASINs out of stock`."""
    parts = []
    if digest.changes:
        labels = list(dict.fromkeys(FIELDS[c.field].label.lower() for c in digest.changes))
        fields = ", ".join(labels[:3]) + (", ..." if len(labels) > 3 else "")
        asins = digest.changed_asins
        if len(asins) == 1:
            parts.append(f"{fields} changed on {asins[0][2]}")
        else:
            parts.append(f"{_plural(len(digest.changes), 'catalog change')} on {len(asins)} ASINs ({fields})")
    for kind in ConditionKind:
        count = sum(len(c.items) for c in digest.conditions if c.kind is kind)
        if not count:
            continue
        match kind:
            case ConditionKind.OUT_OF_STOCK:
                parts.append(f"{_plural(count, 'ASIN')} out of stock")
            case ConditionKind.GONE_FROM_SALES:
                parts.append(f"{_plural(count, 'ASIN')} gone from sales")
            case ConditionKind.REPORT_FAILED:
                parts.append(f"{_plural(count, 'report stream')} failed")
            case ConditionKind.PO_UNACKNOWLEDGED:
                parts.append(f"{_plural(count, 'PO')} not acknowledged")
            case ConditionKind.PO_AT_RISK:
                parts.append(f"{_plural(count, 'PO line')} due soon or late")
            case ConditionKind.OTIF_BELOW_TARGET:
                parts.append("OTIF below target")
    return sns_subject(SUBJECT_PREFIX + "; ".join(parts))


def _change_lines(change: ChangeAlert) -> list[str]:
    label = FIELDS[change.field].label
    before, after = display_lines(change.field, change.before), display_lines(change.field, change.after)
    if len(before) == 1 and len(after) == 1 and len(before[0]) + len(after[0]) <= _INLINE_LIMIT:
        return [f"  {label}: {before[0]} → {after[0]}"]
    if len(before) == 1 and len(after) == 1:
        return [f"  {label}:", f"    before: {before[0]}", f"    after:  {after[0]}"]
    lines = [f"  {label}:"]
    for heading, values in (("before:", before), ("after: ", after)):
        bullet = "• " if FIELDS[change.field].multiline and values != ["(none)"] else ""
        lines.append(f"    {heading} {bullet}{values[0]}")
        lines += [f"            {bullet}{value}" for value in values[1:]]
    return lines


def _condition_lines(condition: ConditionAlert) -> list[str]:
    where = f"{condition.account}, {condition.marketplace_id}"
    lines = [f"{_CONDITION_TITLES[condition.kind]} ({where}): {condition.summary}"]
    for item in condition.items:
        name = f"{item.key} · {item.title}" if item.title else item.key
        lines.append(f"  {name}: {item.detail}")
    return lines


def render_email(digest: AlertDigest, omitted_changes: int = 0) -> str:
    """The e-mail body: per changed ASIN its title, product-page link and each field's before → after; then the
    data conditions."""
    lines: list[str] = []
    summary = []
    if digest.changes or omitted_changes:
        total = len(digest.changes) + omitted_changes
        summary.append(f"{_plural(total, 'catalog change')} on {_plural(len(digest.changed_asins), 'ASIN')}"
                       + (" listed here" if omitted_changes else ""))
    orders_only = bool(digest.conditions) and all(c.kind in PURCHASE_ORDER_KINDS for c in digest.conditions)
    if digest.conditions:
        summary.append(_plural(sum(len(c.items) for c in digest.conditions),
                               "purchase order finding" if orders_only else "data condition"))
    lines.append(f"vendorcast found {' and '.join(summary)}.")
    if digest.changes:
        lines += ["", "CATALOG CHANGES"]
        by_asin: dict[tuple[str, str, str], list[ChangeAlert]] = {}
        for change in digest.changes:
            by_asin.setdefault((change.account, change.marketplace_id, change.asin), []).append(change)
        for (account, marketplace_id, asin), changes in by_asin.items():
            title = next((c.title for c in changes if c.title), None)
            lines += ["", f"{asin} · {title}" if title else asin,
                      f"{product_page_url(marketplace_id, asin)} ({account}, {marketplace_id})"]
            for change in changes:
                lines += _change_lines(change)
    if omitted_changes:
        lines += ["", f"... and {_plural(omitted_changes, 'more change')}: the lake's catalog_changes table has them "
                      "all."]
    if digest.conditions:
        lines += ["", "PURCHASE ORDERS" if orders_only else "DATA CONDITIONS"]
        for condition in digest.conditions:
            lines += ["", *_condition_lines(condition)]
    if orders_only:
        lines += ["", f"Sent by the vendorcast purchase orders pull ({digest.batch_id}, "
                      f"{digest.created_at:%Y-%m-%d %H:%M} UTC). What alerts is set in the config's "
                      "[alerts.purchase_orders] section; docs/otif.md defines OTIF."]
    else:
        lines += ["", f"Sent by the vendorcast catalog watch ({digest.batch_id}, "
                      f"{digest.created_at:%Y-%m-%d %H:%M} UTC). Which fields and ASINs alert is set in the config's "
                      "[alerts.catalog] section."]
    return "\n".join(lines) + "\n"


def digest_json(digest: AlertDigest, omitted_changes: int = 0) -> dict[str, Any]:
    """The machine-readable digest (what SQS, Lambda and HTTP subscribers receive)."""
    return {
        "version": JSON_FORMAT_VERSION,
        "batch": digest.batch_id,
        "created_at": digest.created_at.isoformat(),
        "changes": [{
            "account": c.account, "marketplace_id": c.marketplace_id, "asin": c.asin, "title": c.title,
            "field": c.field.value, "before": c.before, "after": c.after,
            "detected_at": c.detected_at.isoformat(), "source": c.source,
            "url": product_page_url(c.marketplace_id, c.asin),
        } for c in digest.changes],
        "conditions": [c.to_item() for c in digest.conditions],
        "omitted_changes": omitted_changes,
    }


def render_sns_message(digest: AlertDigest) -> SnsMessage:
    """The digest as one SNS message within SNS's size limit: when too large, the changes are cut (the conditions
    are always kept) and both renderings say how many were left out."""
    shown = len(digest.changes)
    while True:
        cut = AlertDigest(digest.batch_id, digest.created_at, digest.changes[:shown], digest.conditions)
        omitted = len(digest.changes) - shown
        compact = json.dumps(digest_json(cut, omitted), separators=(",", ":"), ensure_ascii=False)
        structure = {"default": compact, "email": render_email(cut, omitted)}
        message = json.dumps(structure, ensure_ascii=False)
        if len(message.encode("utf-8")) <= MESSAGE_LIMIT_BYTES or shown == 0:
            return SnsMessage(render_subject(digest), message, message_structure="json")
        shown //= 2


__all__ = ["RETAIL_DOMAINS", "digest_json", "product_page_url", "render_email", "render_sns_message",
           "render_subject"]
