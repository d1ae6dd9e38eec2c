"""`vendorcast demo --regions`: the demo's accounts per SP-API region, and a clear error for what it cannot run."""

from __future__ import annotations

from datetime import date

import pytest

from vendorcast.local.demo import DEMO_ACCOUNT, demo_config
from vendorcast.local.runtime import regional_marketplaces


def test_every_region_adds_its_account_and_only_the_us_one_pulls_purchase_orders() -> None:
    config = demo_config(date(2025, 10, 12), ("FE", "NA", "EU"))
    assert [(a.name, a.region.value, len(a.marketplace_ids)) for a in config.accounts] == [
        (DEMO_ACCOUNT, "NA", 1), (f"{DEMO_ACCOUNT}-eu", "EU", 5), (f"{DEMO_ACCOUNT}-jp", "FE", 1)]
    assert [a.pulls_purchase_orders for a in config.accounts] == [True, False, False]
    assert {region: len(ids) for region, ids in regional_marketplaces(config).items()} == {"NA": 1, "EU": 5, "FE": 1}
    assert len(demo_config(date(2025, 10, 12)).accounts) == 1


@pytest.mark.parametrize(("regions", "message"), [
    (("NA", "APAC"), "unknown APAC; use any of NA, EU, FE"),
    (("EU", "FE"), "--regions must include NA"),
])
def test_regions_it_cannot_run_are_refused(regions: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        demo_config(date(2025, 10, 12), regions)
