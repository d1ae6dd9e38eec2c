from datetime import date

import numpy as np

from vendorcast.sandbox.settings import SandboxSettings
from vendorcast.sandbox.simulation import SimulationHolder


def test_history_starts_three_years_back_and_extends_as_time_passes():
    holder = SimulationHolder(SandboxSettings(seed=4, n_asins=8, horizon_days=30))
    first = holder.covering(date(2025, 6, 18))
    assert first.simulator.start == date(2022, 1, 1)
    assert first.simulator.end >= date(2025, 6, 25)
    assert holder.covering(date(2025, 6, 20)) is first
    later = holder.covering(date(2025, 9, 1))
    assert later is not first and later.simulator.start == date(2022, 1, 1)
    n = first.simulator.n_days
    assert np.array_equal(later.simulator.shipped_units[:n], first.simulator.shipped_units)
