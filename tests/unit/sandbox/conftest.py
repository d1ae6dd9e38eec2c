from datetime import date

import pytest

from vendorcast.sandbox.simulator import VendorSimulator

SEED = 11
START = date(2023, 1, 1)
END = date(2025, 9, 30)


@pytest.fixture(scope="session")
def sim() -> VendorSimulator:
    """One simulated vendor shared by the unit tests (read-only)."""
    return VendorSimulator(SEED, 40, START, END)
