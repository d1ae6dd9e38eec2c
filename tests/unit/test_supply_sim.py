"""`vendorcast supply-sim` on the emulator's vendor: the simulated Amazon orders as the emulator's does and reacts
to what the vendor ships (a closed loop), and a small run is deterministic for a seed, in the documented shape,
with frontiers that rise in both fill rate and inventory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from vendorcast.cli import cli
from vendorcast.supply_sim import build_world


@pytest.fixture(scope="module")
def world():
    return build_world(seed=5, n_asins=8, weeks=4)


def test_the_simulated_amazon_places_the_emulators_first_order(world) -> None:
    world.amazon.start(1)
    ordered = world.amazon.order(0)
    monday = world.first_day + 1
    assert ordered[0].sum() > 0
    assert ordered[0].tolist() == world.sim.requested_units[monday].astype(float).tolist()


def test_amazon_orders_again_what_the_vendor_did_not_ship(world) -> None:
    amazon = world.amazon
    amazon.start(2)
    first = amazon.order(0)
    amazon.deliver(0, np.stack([first[0], np.zeros_like(first[1])]))  # run 0 ships in full, run 1 ships nothing
    _, due = amazon.position()
    assert due[0].sum() - due[1].sum() == first[0].sum()  # on its way to Amazon in run 0 only
    second = amazon.order(1)
    assert second[1].sum() > second[0].sum()


def test_the_plan_learns_amazons_cover_and_revisions_from_the_half_year_before(world) -> None:
    # The emulator's Amazon orders up to 3 weeks of its forecast x 1.15 (its rule, which the plan does not import):
    # read from Saturday positions (two days of sales before its Monday order), that is about 3.7 weeks. Its level
    # moves with each week's surprise, so the learned elasticity is positive.
    cover = world.amazon_cover_weeks()
    assert np.all((cover > 3.0) & (cover < 4.5))
    assert 0.05 < world.amazon_revision_elasticity() < 0.5


def run(tmp_path: Path, name: str) -> dict:
    output = tmp_path / name
    # The statistical models only: the test is about the simulation, and LightGBM's training would take most of it.
    result = CliRunner().invoke(cli, ["supply-sim", "--asins", "6", "--weeks", "6", "--seed", "3", "--output",
                                      str(output), "--models", "ets,seasonal_naive"])
    assert result.exit_code == 0, result.output
    assert "inventory at fill rate 0.95" in result.output
    return json.loads((output / "supply_sim.json").read_text())


def test_a_small_run_is_deterministic_and_in_the_documented_shape(tmp_path: Path) -> None:
    first, second = run(tmp_path, "a"), run(tmp_path, "b")
    assert first == second
    assert first["target_fill_rate"] == 0.95
    assert set(first["policies"]) == {"vendorcast", "moving_average", "amazon_forecast", "seasonal_naive"}
    for policy in first["policies"].values():
        front = np.array(policy["frontier"])
        assert len(front) >= 2 and np.all(np.diff(front[:, 0]) > 0) and np.all(np.diff(front[:, 1]) > 0)
        assert ((front[:, 0] >= 0) & (front[:, 0] <= 1)).all()
        at = policy["inventory_at_target"]
        assert at is None or front[0, 1] <= at <= front[-1, 1]
    assert set(first["po_forecast"]) >= {"wql_mean", "baseline_wql_mean", "coverage_p10_p90"}
    page = (tmp_path / "a" / "supply_sim.html").read_text()
    assert page.count("<polyline") == 4
