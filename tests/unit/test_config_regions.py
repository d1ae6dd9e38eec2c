"""Accounts in every SP-API region: the example config's European and Japanese accounts are valid once
uncommented, and a marketplace of another region is refused with the region to use."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from vendorcast.config import ConfigError, parse_config

EXAMPLE = Path(__file__).parents[2] / "vendorcast.example.toml"


def test_the_examples_european_and_japanese_accounts_are_valid() -> None:
    text = EXAMPLE.read_text()
    uncommented = re.sub(r"^# (\[\[accounts\]\]|(name|region|marketplace_ids|secret_name|backfill_start) =)", r"\1",
                         text, flags=re.MULTILINE)
    config = parse_config(tomllib.loads(uncommented))
    regions = {account.name: (account.region.value, len(account.marketplace_ids)) for account in config.accounts}
    assert regions == {"acme-us": ("NA", 1), "acme-eu": ("EU", 5), "acme-jp": ("FE", 1)}


@pytest.mark.parametrize(("region", "marketplace", "message"), [
    ("EU", "A1VC38T7YXB528", "marketplace A1VC38T7YXB528 (JP) is served by SP-API region FE, not EU"),
    ("FE", "A1F83G8C2ARO7P", "marketplace A1F83G8C2ARO7P (GB) is served by SP-API region EU, not FE"),
    ("NA", "A13V1IB3VIYZZH", "marketplace A13V1IB3VIYZZH (FR) is served by SP-API region EU, not NA"),
])
def test_a_marketplace_of_another_region_is_refused(region: str, marketplace: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config({"accounts": [{"name": "acme", "region": region, "marketplace_ids": [marketplace],
                                    "secret_name": "vendorcast/acme/spapi", "backfill_start": "2025-01-05"}]})
