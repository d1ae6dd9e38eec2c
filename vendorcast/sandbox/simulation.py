"""The simulated vendor behind the emulator: the simulator plus the catalog and purchase-order views built on
it, rebuilt further ahead whenever the clock nears the simulated end (the simulation is prefix-stable, so
days already served never change)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta

from vendorcast.sandbox.catalog import SimulatedCatalog
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
    """Builds the simulation lazily and extends it as the clock moves on; thread-safe."""

    def __init__(self, settings: SandboxSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._current: Simulation | None = None
        self._history_start = settings.history_start

    def covering(self, day: date) -> Simulation:
        """A simulation that runs at least a week past `day`."""
        with self._lock:
            if self._history_start is None:
                self._history_start = default_history_start(day)
            current = self._current
            if current is None or current.simulator.end < day + timedelta(days=_MARGIN_DAYS):
                end = max(day, self._history_start) + timedelta(days=self._settings.horizon_days)
                sim = VendorSimulator(
                    self._settings.seed,
                    self._settings.n_asins,
                    self._history_start,
                    end,
                    self._settings.marketplace_id,
                    self._settings.currency,
                )
                current = self._current = Simulation(
                    sim, SimulatedCatalog(sim, self._settings.catalog_change_days,
                                          self._settings.catalog_changes_from), SimulatedPurchaseOrders(sim))
            return current

    def simulator(self, day: date) -> VendorSimulator:
        return self.covering(day).simulator
