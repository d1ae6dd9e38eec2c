"""The simulated vendor behind the emulator: the simulator plus the catalog and purchase-order views built on
it, rebuilt further ahead whenever the clock nears the simulated end (the simulation is prefix-stable, so
days already served never change)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta

from vendorcast.sandbox.catalog import SimulatedCatalog
from vendorcast.sandbox.marketplaces import marketplace
from vendorcast.sandbox.purchase_orders import SimulatedPurchaseOrders
from vendorcast.sandbox.settings import SandboxSettings
from vendorcast.sandbox.simulator import VendorSimulator

# Keep at least this many simulated days past any day asked about.
_MARGIN_DAYS = 7


@dataclass(frozen=True)
class Simulation:
    """The simulator and the API views built on it."""

    simulator: VendorSimulator
    catalog: SimulatedCatalog
    purchase_orders: SimulatedPurchaseOrders


def default_history_start(today: date) -> date:
    return date(today.year - 3, 1, 1)


class SimulationHolder:
    """Builds each marketplace's simulation lazily and extends it as the clock moves on; thread-safe."""

    def __init__(self, settings: SandboxSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._current: dict[str, Simulation] = {}
        self._history_start = settings.history_start

    def covering(self, day: date, marketplace_id: str | None = None) -> Simulation:
        """A simulation of the marketplace (default: the first) that runs at least a week past `day`."""
        marketplace_id = marketplace_id or self._settings.marketplace_id
        with self._lock:
            if self._history_start is None:
                self._history_start = default_history_start(day)
            current = self._current.get(marketplace_id)
            if current is None or current.simulator.end < day + timedelta(days=_MARGIN_DAYS):
                end = max(day, self._history_start) + timedelta(days=self._settings.horizon_days)
                sim = VendorSimulator(
                    self._settings.seed_of(marketplace_id),
                    self._settings.n_asins,
                    self._history_start,
                    end,
                    marketplace_id,
                    marketplace(marketplace_id).currency,
                )
                current = self._current[marketplace_id] = Simulation(
                    sim, SimulatedCatalog(sim, self._settings.catalog_change_days,
                                          self._settings.catalog_changes_from), SimulatedPurchaseOrders(sim))
            return current

    def simulator(self, day: date, marketplace_id: str | None = None) -> VendorSimulator:
        return self.covering(day, marketplace_id).simulator
