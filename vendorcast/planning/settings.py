"""The planning settings every entry point passes (CLI, the workflow's Plan step, the supply simulation): the
config's `[planning]` section (vendorcast.config.PlanningConfig), and what follows from it."""

from __future__ import annotations

from vendorcast.config import PlanningConfig, VendorcastConfig

WEEKS_PER_YEAR = 52


class PlanningSettings(PlanningConfig):
    """horizon_weeks, review_weeks, fill_rate_target and the vendor inputs' defaults (lead_time_weeks, lot_size,
    min_order_units, weekly_capacity_units, unit_cost, holding_cost_rate, shortage_cost): frozen, validated as the
    config's section is."""

    @classmethod
    def from_config(cls, config: VendorcastConfig | PlanningConfig) -> PlanningSettings:
        section = config.planning if isinstance(config, VendorcastConfig) else config
        return cls.model_validate(section.model_dump())


__all__ = ["WEEKS_PER_YEAR", "PlanningSettings"]
