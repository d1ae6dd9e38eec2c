"""Amazon's own weekly demand forecast for the simulated vendor (GET_VENDOR_FORECASTING_REPORT): a forecaster
that knows what Amazon knows (its own deals and prices ahead, its retail calendar, each category's seasonality,
every ASIN's recent demand) and not the vendor's hidden parameters, with quantiles calibrated on its own errors.

Each Sunday's generation estimates an ASIN's level from the last eight weeks of demand divided by what Amazon's
model expected of them, forecasts 26 weeks as that level times the model's expectation of each week, and sets
P70/P80/P90 from the empirical quantiles of its errors over the last year, by horizon and by forecast volume.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FORECAST_WEEKS = 26
# Weeks of demand behind each generation's level estimate.
LEVEL_DAYS = 56
# Amazon's catalogue-wide models of what it cannot know per ASIN: the price elasticity (the simulated ASINs draw
# theirs between -2.6 and -0.8), the launch ramp (14 to 60 days), the holiday sensitivity (1 on average), and
# the traffic a deal brings from Amazon's deal pages.
ELASTICITY = -1.7
RAMP_DAYS = 37.0
DEAL_TRAFFIC = 1.35
# A launched ASIN's first weeks weigh against Amazon's launch estimate worth this many days of demand.
LAUNCH_PRIOR_DAYS = 3.0
# Calibration: errors of the last CALIBRATION_GENERATIONS generations, per horizon and volume band, as
# log1p(actual) - log1p(mean) counted in bins of ERROR_BIN; a band with fewer than MIN_ERRORS errors uses the
# horizon's errors of every band; a horizon with none yet uses the longest horizon that has some.
CALIBRATION_GENERATIONS = 52
VOLUME_BANDS = np.array([2.0, 10.0, 50.0])  # weekly mean forecast units: below 2, 2-10, 10-50, 50 and above
ERROR_BIN = 0.02
ERROR_LIMIT = 4.0
MIN_ERRORS = 100
LEVELS = (0.7, 0.8, 0.9)
# Before any error is known (the first generation of the simulated history): log-scale errors of this spread.
PRIOR_ERROR_SD = 0.4
Z_PRIOR = {0.7: 0.5244, 0.8: 0.8416, 0.9: 1.2816}


@dataclass(frozen=True)
class AmazonKnowledge:
    """What Amazon's forecaster reads. Daily arrays are (days x ASINs) from the simulation's start; the planned
    ones (`price`, `promotion`) run past the simulated end, as far as the last generation forecasts."""

    demand: np.ndarray  # realised daily demand (Amazon sees its glance views and its own stockouts)
    day_of_year: np.ndarray  # (planned days,)
    holidays: np.ndarray  # (planned days,) the retail calendar's demand multiplier
    launch_index: np.ndarray  # (ASINs,)
    peak_day: np.ndarray  # (ASINs,) the category's seasonal peak
    seasonal_amplitude: np.ndarray  # (ASINs,) the category's
    base_price: np.ndarray  # (ASINs,)
    price: np.ndarray  # (planned days x ASINs) Amazon's selling price, deals included
    promotion: np.ndarray  # (planned days x ASINs) days on deal
    active: np.ndarray  # (days x ASINs) listed and selling
    prior_level: np.ndarray  # (ASINs,) Amazon's estimate of daily demand at base price before any sale is seen
    sold_before_start: np.ndarray  # (ASINs,) on sale before the simulated history starts
    generation_days: np.ndarray  # (generations,) day index of each Sunday generation

    def expected_shape(self) -> np.ndarray:
        """(planned days x ASINs) Amazon's model of daily demand per unit of an ASIN's level."""
        days = np.arange(len(self.day_of_year))[:, None]
        since_launch = days - self.launch_index[None, :]
        ramp = np.where(since_launch >= 0, 1.0 - np.exp(-(since_launch + 1) / RAMP_DAYS), 0.0)
        seasonal = np.exp(
            self.seasonal_amplitude * np.cos(2 * np.pi * (self.day_of_year[:, None] - self.peak_day) / 365.25)
        )
        price_effect = (self.price / self.base_price) ** ELASTICITY * np.where(self.promotion, DEAL_TRAFFIC, 1.0)
        return seasonal * self.holidays[:, None] * ramp * price_effect

    def levels(self, shape: np.ndarray) -> np.ndarray:
        """(generations x ASINs) each generation's level: the last LEVEL_DAYS of demand over the model's
        expectation of them; the days before the simulated start count at Amazon's prior for ASINs already on
        sale, and a launch starts from its prior worth LAUNCH_PRIOR_DAYS."""
        n = self.demand.shape[0]
        seen = np.vstack([np.zeros((1, shape.shape[1])), np.cumsum(self.demand, axis=0)])
        expected = np.vstack([np.zeros((1, shape.shape[1])), np.cumsum(shape[:n], axis=0)])
        g = self.generation_days
        first = np.maximum(g - LEVEL_DAYS, 0)
        sold = seen[g] - seen[first]
        model = expected[g] - expected[first]
        before_start = np.maximum(LEVEL_DAYS - g, 0)[:, None] * shape[0] * self.sold_before_start
        prior_days = before_start + LAUNCH_PRIOR_DAYS * ~self.sold_before_start
        return (sold + self.prior_level * prior_days) / (model + prior_days)

    def forecast(self) -> AmazonForecast:
        shape = self.expected_shape()
        level = self.levels(shape)
        g = len(self.generation_days)
        first = int(self.generation_days[0]) if g else 0
        weeks = g + FORECAST_WEEKS
        weekly_shape = shape[first : first + 7 * weeks].reshape(weeks, 7, -1).sum(axis=1)
        horizon = np.arange(FORECAST_WEEKS)
        mean = level[:, None, :] * weekly_shape[np.arange(g)[:, None] + horizon]
        quantiles = self._calibrated(mean, first)
        return AmazonForecast(mean, *quantiles)

    def _calibrated(self, mean: np.ndarray, first: int) -> list[np.ndarray]:
        """P70, P80 and P90 from the empirical quantiles of past errors (log1p scale), each generation reading
        only the errors of weeks complete before it."""
        g, horizons, a = mean.shape
        n = self.demand.shape[0]
        complete = (n - first) // 7
        weekly = self.demand[first : first + 7 * complete].reshape(complete, 7, a).sum(axis=1)
        selling = self.active[first : first + 7 * complete].reshape(complete, 7, a).all(axis=1)
        band = np.searchsorted(VOLUME_BANDS, mean, side="right")
        n_bands = len(VOLUME_BANDS) + 1
        n_bins = round(2 * ERROR_LIMIT / ERROR_BIN)
        # counts[k + 1, h, band, bin]: errors of generation k's forecast of week k + h, once that week is complete.
        shape = (g + 1, horizons, n_bands, n_bins)
        k_index, h_index = np.meshgrid(np.arange(g), np.arange(horizons), indexing="ij")
        target = k_index + h_index
        known = target < complete
        k_known, h_known = k_index[known], h_index[known]
        actual = weekly[target[known]]
        valid = selling[target[known]] & (self.generation_days[k_known, None] >= self.launch_index)
        error = np.log1p(actual) - np.log1p(mean[k_known, h_known])
        bins = np.clip(((error + ERROR_LIMIT) / ERROR_BIN).astype(np.int64), 0, n_bins - 1)
        rows = np.broadcast_to(k_known[:, None] + 1, bins.shape)[valid]
        cols = np.broadcast_to(h_known[:, None], bins.shape)[valid]
        bands = np.broadcast_to(band[k_known, h_known], bins.shape)[valid]
        flat = np.ravel_multi_index((rows, cols, bands, bins[valid]), shape)
        cumulative = np.cumsum(np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape), axis=0)

        # shift[level, k, h, band]: the error quantile generation k applies; generation k knows the week-h
        # errors of generations k - h - CALIBRATION_GENERATIONS to k - h - 1.
        centres = -ERROR_LIMIT + ERROR_BIN * (np.arange(n_bins) + 0.5)
        shift = np.full((len(LEVELS), g, horizons, n_bands), np.nan)
        generation = np.arange(g)
        for h in range(horizons):
            newest = np.clip(generation - h, 0, None)
            oldest = np.clip(newest - CALIBRATION_GENERATIONS, 0, None)
            window = cumulative[newest, h] - cumulative[oldest, h]  # (generations x bands x bins)
            every = window.sum(axis=1, keepdims=True)
            enough = every.sum(axis=2)[:, 0] >= MIN_ERRORS // 5
            histograms = np.where(window.sum(axis=2, keepdims=True) >= MIN_ERRORS, window, every)
            ranks = np.cumsum(histograms, axis=2) / np.maximum(histograms.sum(axis=2, keepdims=True), 1)
            for i, level in enumerate(LEVELS):
                shift[i, enough, h] = centres[np.argmax(ranks[enough] >= level, axis=2)]
        # A horizon without errors yet takes the longest horizon that has some; before any, the prior.
        known_horizons = ~np.isnan(shift[0, :, :, 0])
        longest = np.where(known_horizons.any(axis=1), horizons - 1 - np.argmax(known_horizons[:, ::-1], axis=1), -1)
        for k in np.nonzero(~known_horizons.all(axis=1))[0]:
            missing = ~known_horizons[k]
            if longest[k] < 0:
                shift[:, k] = np.array([Z_PRIOR[level] * PRIOR_ERROR_SD for level in LEVELS])[:, None, None]
            else:
                shift[:, k, missing] = shift[:, k, longest[k]][:, None]
        quantiles = []
        floor = mean  # the report's quantiles never fall below the mean, nor below each other
        for i in range(len(LEVELS)):
            picked = np.take_along_axis(shift[i], band, axis=2)  # (generations x horizons x ASINs)
            floor = np.maximum(np.expm1(np.log1p(mean) + picked), floor)
            quantiles.append(floor)
        return quantiles


@dataclass(frozen=True)
class AmazonForecast:
    """Weekly forecasts (generations x FORECAST_WEEKS x ASINs) of total demand in each week from the Sunday of
    generation on."""

    mean: np.ndarray
    p70: np.ndarray
    p80: np.ndarray
    p90: np.ndarray
