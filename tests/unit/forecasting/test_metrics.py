"""Metrics against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from vendorcast.forecasting.metrics import AccuracySums, pinball_loss, pool, quantile_name, weighted_quantile_loss

ACTUAL = np.array([10.0, 0.0, 30.0])
P10 = np.array([5.0, 1.0, 20.0])
P50 = np.array([12.0, 0.0, 25.0])
P90 = np.array([20.0, 4.0, 28.0])
MEAN = np.array([11.0, 1.0, 27.0])


def test_pinball_loss_by_hand() -> None:
    # under-forecast by 5 at P10: 0.1 * 5; over-forecast by 1: 0.9 * 1; under by 10: 0.1 * 10
    assert pinball_loss(ACTUAL, P10, 0.1).tolist() == pytest.approx([0.5, 0.9, 1.0])


def test_weighted_quantile_loss_is_amazon_forecasts_definition() -> None:
    # 2 * (0.5 + 0.9 + 1.0) / 40
    assert weighted_quantile_loss(ACTUAL, P10, 0.1) == pytest.approx(0.12)
    # P50: |10-12| * 0.5 + 0 + |30-25| * 0.5 = 3.5 -> 2 * 3.5 / 40
    assert weighted_quantile_loss(ACTUAL, P50, 0.5) == pytest.approx(0.175)


def test_every_metric_from_the_sums() -> None:
    scale = np.array([2.0, 2.0, 4.0])
    sums = AccuracySums.of(ACTUAL, {0.1: P10, 0.5: P50, 0.9: P90}, MEAN, mase_scale=scale, item_ids=["a", "a", "b"])
    metrics = sums.metrics()
    wql_p90 = 2 * (0.1 * 10 + 0.1 * 4 + 0.9 * 2) / 40  # over by 10 and 4, under by 2
    assert metrics["wql_p10"] == pytest.approx(0.12)
    assert metrics["wql_p90"] == pytest.approx(wql_p90)
    assert metrics["wql_mean"] == pytest.approx((0.12 + 0.175 + wql_p90) / 3)
    assert metrics["wape"] == pytest.approx((1 + 1 + 3) / 40)
    assert metrics["bias"] == pytest.approx((1 + 1 - 3) / 40)
    assert metrics["mase"] == pytest.approx((1 / 2 + 1 / 2 + 3 / 4) / 3)
    assert metrics["coverage_p10_p90"] == pytest.approx(1 / 3)  # 0 is below P10 = 1, 30 above P90 = 28
    assert len(sums.items) == 2


def test_pooled_sums_equal_the_metric_of_all_points() -> None:
    quantiles = {0.1: P10, 0.5: P50, 0.9: P90}
    whole = AccuracySums.of(ACTUAL, quantiles, MEAN).metrics()
    parts = [AccuracySums.of(ACTUAL[s], {k: v[s] for k, v in quantiles.items()}, MEAN[s])
             for s in (slice(0, 1), slice(1, 3))]
    assert pool(parts).metrics() == pytest.approx(whole, nan_ok=True)  # no MASE scale given: nan


def test_quantile_names() -> None:
    assert [quantile_name(q) for q in (0.1, 0.5, 0.7, 0.975)] == ["p10", "p50", "p70", "p97.5"]
