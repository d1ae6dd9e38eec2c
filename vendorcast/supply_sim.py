"""`vendorcast supply-sim`: the emulator's simulated vendor as the world of the supply simulation
(vendorcast.planning.simulation). Amazon is the emulator's own buyer, stepped day by day: shoppers' demand from the
simulator consumes its stock, and every Monday it orders with the emulator's rule on what it has on hand and on
order, so what a policy fails to ship shows up in Amazon's next orders (a closed loop). It joins the emulator and
the planning engine, so it stands above both: neither imports it."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vendorcast.forecasting.ensemble import ENSEMBLE
from vendorcast.forecasting.forecaster import forecast_origins, forecast_panel, prepare_panel
from vendorcast.forecasting.metrics import HEADLINE_QUANTILES, coverage, weighted_quantile_loss
from vendorcast.forecasting.models import ForecastModel, model_factories
from vendorcast.forecasting.panel import DensePanel, attach_snapshots
from vendorcast.forecasting.settings import ForecastSettings
from vendorcast.planning.decisions import DEFAULT_SAMPLES, LEVELS
from vendorcast.planning.sell_in import direct_paths, learn_cover_weeks, learn_revision_elasticity, summarize
from vendorcast.planning.simulation import (
    SCORED_HORIZON,
    SEASON_WEEKS,
    ForecastCover,
    MovingAverage,
    Policy,
    SeasonalNaive,
    SweepResult,
    Vendorcast,
    VendorStart,
    frontier,
    inventory_at,
    simulate,
)
from vendorcast.sandbox.settings import SandboxSettings
from vendorcast.sandbox.simulator import VendorSimulator, amazon_order_amount

# The simulated vendor's history: three years of Sunday-to-Saturday retail weeks; the simulated weeks are its last.
HISTORY_START = date(2023, 1, 1)
HISTORY_END = date(2025, 12, 27)
# Days simulated past the end, so that receipts of the last weeks' shipments have demand arrays to land in.
TAIL_DAYS = 35
# Amazon receives a shipment two days into its delivery window (the emulator spreads receipts over the window).
RECEIPT_DAYS_INTO_WINDOW = 2
# The vendor's side, drawn per ASIN from the seed: production lead time (weeks) and lot size (case packs).
LEAD_WEEKS = (2, 6)
LOT_CASES = (1, 4)
# Weeks simulated before the scored ones, so that every policy's own stock replaces the common start.
WARMUP_WEEKS = LEAD_WEEKS[1] + 4
# Weeks before the simulated ones that the plan learns Amazon's cover and its forecast revisions from.
AMAZON_HISTORY_WEEKS = 26
TARGET_FILL_RATE = 0.95
# Weeks of vendorcast's sell-through forecast each simulated week reads (lead time plus review at most).
SELL_THROUGH_HORIZON = 8
# Weeks between two trainings of the sell-through forecast's pooled model (docs/planning.md, "Supply simulation").
REFIT_WEEKS = 13
# Weeks ahead the vendor sees its shipments to Amazon coming in (every one arrives within three weeks).
DUE_WEEKS = 4


class SimulatedAmazon:
    """Amazon's side of the simulation (vendorcast.planning.simulation.Amazon) on the emulator's simulator."""

    def __init__(self, sim: VendorSimulator, first_day: int, weeks: int) -> None:
        if sim.day(first_day).weekday() != 6 or sim.start.weekday() != 6:
            raise ValueError(f"the simulator and the simulation start on Sundays, not {sim.start} and "
                             f"{sim.day(first_day)}")
        self.sim = sim
        self.first_day = first_day
        self.weeks = weeks
        self.days = 7 * weeks + TAIL_DAYS
        if first_day + self.days > sim.n_days:
            raise ValueError("the simulator ends before the simulated weeks and their receipts")
        self.order_unit = sim.order_unit
        self.receipt_offset = sim.window_offset_days + RECEIPT_DAYS_INTO_WINDOW
        # Whole weeks from the Sunday before an order (placed on the Monday) to its receipt: what the vendor learns
        # of Amazon's lead time from receipts.
        self.lead_weeks = (1 + self.receipt_offset) // 7
        # Receipts still due from the POs the emulator's Amazon placed before the first simulated day.
        received = np.zeros((sim.n_days + 64, sim.n_asins), dtype=np.int64)
        leaving = np.zeros_like(received)
        lead = np.zeros_like(received)
        lines = sim.purchase_orders
        before = lines.day < first_day
        # Booked in one go (the lead-time sums, which need each PO's own day, are not used).
        placed = type(lines)(**{name: values[before] for name, values in vars(lines).items()})
        sim.schedule_receipts(placed, 0, received, leaving, lead)
        self._due = received[first_day : first_day + self.days].astype(float)
        self._leaving = leaving[first_day : first_day + self.days].astype(float)
        self._demand = sim.demand[first_day : first_day + self.days].astype(float)
        self._returns = sim.sellable_returns[first_day : first_day + self.days].astype(float)
        # The simulator starts on a Sunday, so its days before the first simulated one are whole weeks.
        ordered = sim.requested_units[:first_day]
        self._history = ordered.reshape(first_day // 7, 7, -1).sum(axis=1).T.astype(float)

    @property
    def history(self) -> np.ndarray:
        return self._history

    def start(self, runs: int) -> None:
        shape = (runs, self.sim.n_asins)
        self.on_hand = np.broadcast_to(self.sim.sellable_on_hand[self.first_day - 1], shape).astype(float)
        self.open_po = np.broadcast_to(self.sim.open_po_units[self.first_day - 1], shape).astype(float)
        self.due = np.broadcast_to(self._due, (runs, *self._due.shape)).copy()
        self.leaving = np.broadcast_to(self._leaving, (runs, *self._leaving.shape)).copy()
        self.sold = np.zeros(runs)
        self.demanded = 0.0
        self.today = 0

    def _pass_day(self) -> None:
        d = self.today
        self.on_hand += self.due[:, d] + self._returns[d]
        self.open_po -= self.leaving[:, d]
        sold = np.minimum(self._demand[d], self.on_hand)
        self.on_hand -= sold
        self.sold += sold.sum(axis=1)
        self.demanded += float(self._demand[d].sum())
        self.today += 1

    def position(self) -> tuple[np.ndarray, np.ndarray]:
        runs, n_asins = self.on_hand.shape
        coming = self.due[:, self.today : self.today + 7 * DUE_WEEKS]
        by_week = coming.reshape(runs, DUE_WEEKS, 7, n_asins).sum(axis=2)
        return self.on_hand.copy(), by_week.transpose(0, 2, 1)

    def order(self, week: int) -> np.ndarray:
        if self.today != 7 * week:
            raise ValueError(f"week {week} ordered out of turn (day {self.today})")
        self._pass_day()  # Sunday
        self._pass_day()  # Monday: Amazon orders after the day's receipts and sales, as in the emulator
        monday = self.first_day + 7 * week + 1
        amount = amazon_order_amount(self.sim.order_target(monday), self.on_hand, self.open_po, self.order_unit,
                                     self.sim.orders_eligible(monday))
        return (amount * self.order_unit).astype(float)

    def deliver(self, week: int, shipped: np.ndarray) -> None:
        arrival = 7 * week + 1 + self.receipt_offset
        self.due[:, arrival] += shipped
        self.leaving[:, arrival] += shipped
        self.open_po += shipped
        for _ in range(5):  # Tuesday to Saturday
            self._pass_day()


@dataclass(frozen=True)
class SupplyWorld:
    """Everything a supply simulation runs on: the simulator, Amazon stepped on it, the vendor's start, and the
    forecasts each policy may read in each simulated week (warm-up included)."""

    sim: VendorSimulator
    amazon: SimulatedAmazon
    vendor: VendorStart
    first_day: int
    weeks: int
    warmup: int
    scored: np.ndarray  # ASINs scored: on sale for a year before the simulated weeks and until their end

    @property
    def total_weeks(self) -> int:
        return self.weeks + self.warmup

    def amazon_forecast(self, statistic: str = "p70", horizon: int = 26) -> np.ndarray:
        """Amazon's own weekly forecast as of each simulated Sunday: weeks x ASINs x horizon (1 = that week)."""
        source = {"mean": self.sim.forecast_mean, "p70": self.sim.forecast_p70}[statistic]
        out = np.zeros((self.total_weeks, self.sim.n_asins, horizon))
        for week in range(self.total_weeks):
            generation = self.sim.generation_index(self.sim.day(self.first_day + 7 * week))
            if generation is not None:
                out[week] = source[generation, :horizon].T * self.sim.forecast_active[generation][:, None]
        return out

    def amazon_cover_weeks(self) -> np.ndarray:
        """Per ASIN, the weeks of its own forecast Amazon orders up to, learned as the plan learns it
        (vendorcast.planning.sell_in.learn_cover_weeks) from the half year before the simulated weeks: Amazon's
        orders, its positions at each week's end (its inventory report) and its forecasts."""
        sim = self.sim
        first, weeks = self.first_day - AMAZON_HISTORY_WEEKS * 7, AMAZON_HISTORY_WEEKS
        week_starts = [sim.day(first + 7 * k) for k in range(weeks)]
        key = {"account": "simulated", "marketplace_id": sim.marketplace_id}

        def frame(values: dict[str, np.ndarray]) -> pd.DataFrame:
            return pd.DataFrame({**key, "asin": np.tile(sim.asins, weeks),
                                 "week_start": np.repeat(pd.to_datetime(week_starts), sim.n_asins),
                                 **{name: v.ravel() for name, v in values.items()}})

        days = slice(first, self.first_day)
        ordered = sim.requested_units[days].reshape(weeks, 7, -1).sum(axis=1)
        saturday = np.arange(first + 6, self.first_day, 7)
        orders = frame({"ordered_units": ordered, "case_pack": np.broadcast_to(sim.order_unit, ordered.shape)})
        positions = frame({"on_hand": sim.sellable_on_hand[saturday], "open_po_units": sim.open_po_units[saturday]})
        snapshots = self.amazon_snapshots(first, self.first_day)
        learned = learn_cover_weeks(orders[orders["ordered_units"] > 0], positions,
                                    snapshots.rename(columns={"item_id": "asin"}).assign(**key))
        cover = learned.set_index("asin")["cover_weeks"].reindex(sim.asins)
        # ASINs with no order to learn from (not on sale yet) take the median of the others.
        return cover.fillna(cover.median()).to_numpy(dtype=float)

    def amazon_revision_elasticity(self) -> float:
        """How Amazon's forecast moves with a surprise, learned as the plan learns it
        (vendorcast.planning.sell_in.learn_revision_elasticity) from its forecasts and the weekly sales of the half
        year before the simulated weeks."""
        key = {"account": "simulated", "marketplace_id": self.sim.marketplace_id}
        first = self.first_day - AMAZON_HISTORY_WEEKS * 7
        snapshots = self.amazon_snapshots(first, self.first_day)
        sales = self.sales_history()
        sales = sales[(sales["week_start"] >= pd.Timestamp(self.sim.day(first)))
                      & (sales["week_start"] < pd.Timestamp(self.sim.day(self.first_day)))]
        elasticity, _ = learn_revision_elasticity(snapshots.rename(columns={"item_id": "asin"}).assign(**key),
                                                  sales.rename(columns={"item_id": "asin"}).assign(**key))
        return elasticity

    def amazon_snapshots(self, first_day: int, end_day: int) -> pd.DataFrame:
        """Amazon's forecasts generated from `first_day` until before `end_day` (day indices), as the forecasting
        engine reads them (panel.SNAPSHOT_COLUMNS)."""
        sim = self.sim
        frames = []
        for generation, made in enumerate(sim.generation_dates):
            if not first_day <= sim.day_index(made) < end_day:
                continue
            active = sim.forecast_active[generation]
            horizon = sim.forecast_mean.shape[1]
            frames.append(pd.DataFrame({
                "item_id": np.tile(np.asarray(sim.asins)[active], horizon),
                "generated_on": made,
                "week_start": np.repeat([made + timedelta(weeks=h) for h in range(horizon)], active.sum()),
                "mean": sim.forecast_mean[generation][:, active].ravel(),
                "p90": sim.forecast_p90[generation][:, active].ravel(),
            }))
        frame = pd.concat(frames, ignore_index=True)
        frame["week_start"] = pd.to_datetime(frame["week_start"])
        return frame

    def sales_history(self) -> pd.DataFrame:
        """Weekly sell-through of every ASIN (the lake's demand: units sold, censored when stock ran out)."""
        sim = self.sim
        n_weeks = (self.first_day + 7 * self.total_weeks) // 7
        days = slice(0, 7 * n_weeks)
        units = sim.ordered_units[days].reshape(n_weeks, 7, -1).sum(axis=1)
        censored = sim.censored[days].reshape(n_weeks, 7, -1).any(axis=1)
        active = sim.active[days].reshape(n_weeks, 7, -1).any(axis=1)
        weeks = pd.date_range(sim.start, periods=n_weeks, freq="7D")
        frame = pd.DataFrame({"item_id": np.tile(sim.asins, n_weeks), "week_start": np.repeat(weeks, sim.n_asins),
                              "units": units.ravel().astype(float), "censored": censored.ravel()})
        return frame[active.ravel()].reset_index(drop=True)


def build_world(seed: int, n_asins: int, weeks: int, warmup: int = WARMUP_WEEKS) -> SupplyWorld:
    """The simulated vendor of `seed` with `n_asins` ASINs; the simulation covers its last `weeks` weeks after
    `warmup` weeks."""
    total = weeks + warmup
    last_sunday = HISTORY_END - timedelta(days=6)
    first = last_sunday - timedelta(weeks=total - 1)
    if (first - HISTORY_START).days < 7 * 60:
        raise ValueError(f"at most {(last_sunday - HISTORY_START).days // 7 - 60 - warmup} simulated weeks: the "
                         "baselines need more than a year of history before them")
    sim = VendorSimulator(seed, n_asins, HISTORY_START, HISTORY_END + timedelta(days=TAIL_DAYS + 7))
    first_day = sim.day_index(first)
    amazon = SimulatedAmazon(sim, first_day, total)
    rng = np.random.default_rng([seed, 20_13])
    lead = rng.integers(LEAD_WEEKS[0], LEAD_WEEKS[1] + 1, n_asins)
    lot = sim.order_unit * rng.integers(LOT_CASES[0], LOT_CASES[1] + 1, n_asins)
    # Every policy starts alike: two weeks of the last eight weeks' mean PO units on hand, that mean finishing in
    # each week of the lead time.
    recent = amazon.history[:, -8:].mean(axis=1)
    in_production = np.where(np.arange(lead.max())[None, :] < lead[:, None] - 1, recent[:, None], 0.0)
    vendor = VendorStart(lead, lot, 2 * recent, np.round(in_production))
    # New launches and run-downs are planned apart from the weekly rule (launch quantities are agreed with Amazon;
    # a discontinued ASIN's last stock is sold off), and last year's POs must exist: they run in the simulation,
    # so Amazon's orders for them are as they would be, but are not scored.
    last_day = first_day + 7 * total
    scored = (sim.launch_index <= first_day - 7 * SEASON_WEEKS) & (sim.discontinue_index >= last_day)
    return SupplyWorld(sim, amazon, vendor, first_day, weeks, warmup, scored)


def sell_through_forecasts(world: SupplyWorld, refit_weeks: int, settings: ForecastSettings | None = None
                           ) -> np.ndarray:
    """vendorcast's sell-through forecast (the ensemble) as of each simulated Sunday, from the sales and Amazon's
    forecasts before it only: weeks x ASINs x horizon x (mean, then LEVELS); zeros for an ASIN it cannot forecast.

    As in the forecast workflow, the pooled model (LightGBM, Amazon's forecasts among its inputs) is trained apart
    and applied to the latest weeks: here it is trained every `refit_weeks` weeks and each week uses the latest
    one trained at or before the origin it forecasts from (its backtest window's included, so the ensemble's
    weights are learned out of sample). The other models are fitted every week."""
    settings = settings or ForecastSettings(horizon=SELL_THROUGH_HORIZON, levels=LEVELS, backtest_windows=1)
    history = world.sales_history()
    snapshots = world.amazon_snapshots(0, world.first_day + 7 * world.total_weeks)
    row_of = {asin: row for row, asin in enumerate(world.sim.asins)}
    pooled = [name for name, factory in model_factories(settings).items() if factory().pooled]

    def panel_before(week: int) -> DensePanel:
        origin = pd.Timestamp(world.sim.day(world.first_day + 7 * week))
        panel = prepare_panel(history[history["week_start"] < origin], settings.horizon)
        attach_snapshots(panel, snapshots)  # each snapshot readable from the week after it was made
        return panel

    fitted: list[tuple[int, dict[str, ForecastModel]]] = []  # (simulated week it was trained at, models)
    first_fit = -settings.horizon * settings.backtest_windows
    for week in range(first_fit, world.total_weeks, refit_weeks):
        panel = panel_before(week)
        models = {name: model_factories(settings)[name]().fit(panel, panel.history_weeks) for name in pooled}
        fitted.append((week, models))
    out = np.zeros((world.total_weeks, world.sim.n_asins, settings.horizon, 1 + len(LEVELS)))
    for week in range(world.total_weeks):
        panel = panel_before(week)
        trained = {}
        for origin in forecast_origins(panel, settings):
            at = week - (panel.history_weeks - origin)
            models = next(m for trained_at, m in reversed(fitted) if trained_at <= at)
            trained[panel.week_start(origin).date().isoformat()] = models
        forecast = forecast_panel(panel, settings, trained=trained).forecasts[ENSEMBLE]
        rows = [row_of[str(item)] for item in panel.items[forecast.items]]
        out[week, rows, :, 0] = forecast.mean
        for k, level in enumerate(LEVELS):
            out[week, rows, :, 1 + k] = forecast.quantiles[level]
    return np.nan_to_num(out)


def policies(world: SupplyWorld, refit_weeks: int, settings: ForecastSettings | None = None) -> list[Policy]:
    """The policies compared on the same weeks, vendorcast first."""
    sell_through = sell_through_forecasts(world, refit_weeks, settings=settings)
    return [
        Vendorcast(sell_through, world.amazon_forecast("mean"), world.sim.order_unit, world.amazon.lead_weeks,
                   world.amazon_cover_weeks(), world.amazon_revision_elasticity(), world.sim.seed),
        MovingAverage(),
        ForecastCover(world.amazon_forecast("p70")),
        SeasonalNaive(),
    ]


def sweep_payload(result: SweepResult, target: float) -> dict[str, Any]:
    front = frontier(result.points())
    return {
        "inventory_at_target": inventory_at(front, target),
        "frontier": [[round(f, 4), round(i, 1)] for f, i in front],
        "setting": result.setting,
        "sweep": [{"setting": s, "fill_rate": round(float(f), 4), "average_inventory": round(float(i), 1)}
                  for s, f, i in zip(result.settings, result.fill_rate, result.average_inventory, strict=True)],
    }


def run_supply_sim(asins: int | None, weeks: int, seed: int | None, output: Path, refit_weeks: int = REFIT_WEEKS,
                   models: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Run every policy on the same simulated weeks, write DIR/supply_sim.json and DIR/supply_sim.html, and
    return the JSON's content. `asins` and `seed` default to the emulator's vendor; `models` are the sell-through
    forecast's (default: all of the engine's)."""
    defaults = SandboxSettings()
    seed = defaults.seed if seed is None else seed
    asins = defaults.n_asins if asins is None else asins
    world = build_world(seed, asins, weeks)
    payload: dict[str, Any] = {
        "target_fill_rate": TARGET_FILL_RATE,
        "seed": seed,
        "asins": asins,
        "weeks": weeks,
        "warmup_weeks": world.warmup,
        "scored_asins": int(world.scored.sum()),
        "first_week": str(world.sim.day(world.first_day + 7 * world.warmup)),
        "last_week": str(world.sim.day(world.first_day + 7 * (world.total_weeks - 1))),
        "policies": {},
    }
    settings = ForecastSettings(horizon=SELL_THROUGH_HORIZON, levels=LEVELS, models=models, backtest_windows=1)
    payload["refit_weeks"] = refit_weeks
    payload["sell_through_models"] = list(models or model_factories(settings))
    for policy in policies(world, refit_weeks, settings):
        result = simulate(policy, world.amazon, world.vendor, world.weeks, world.warmup, world.scored)
        payload["policies"][policy.name] = sweep_payload(result, TARGET_FILL_RATE)
        if isinstance(policy, Vendorcast):
            payload["po_forecast"] = score_sell_in(world, policy, result)
    baselines = {name: p["inventory_at_target"] for name, p in payload["policies"].items()
                 if name != "vendorcast" and p["inventory_at_target"] is not None}
    ours = payload["policies"]["vendorcast"]["inventory_at_target"]
    if baselines and ours is not None:
        best = min(baselines, key=baselines.__getitem__)
        payload["best_baseline"] = best
        payload["vendorcast_vs_best_baseline"] = round(ours / baselines[best], 4)
    output.mkdir(parents=True, exist_ok=True)
    (output / "supply_sim.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    (output / "supply_sim.html").write_text(frontier_page(payload), encoding="utf-8")
    return payload


def score_sell_in(world: SupplyWorld, policy: Vendorcast, result: SweepResult) -> dict[str, Any]:
    """vendorcast's forecast of Amazon's orders over the scored weeks (horizons 1 to SCORED_HORIZON), in the run
    whose fill rate is nearest the target, against the orders Amazon then placed in that run (the scored ASINs);
    next to the direct
    baseline (each week drawn from the last weeks' PO units, vendorcast.planning.sell_in.direct_paths)."""
    run = int(np.argmin(np.abs(result.fill_rate - TARGET_FILL_RATE)))
    asins = np.flatnonzero(world.scored)
    ordered = result.po_units[run][asins]
    history = world.amazon.history[asins]
    actual, ours, baseline = [], [], []
    for forecast in policy.forecasts:
        week = forecast.week
        if week < world.warmup or week + SCORED_HORIZON > world.total_weeks:
            continue
        actual.append(ordered[:, week : week + SCORED_HORIZON])
        ours.append(np.concatenate([forecast.mean[run][asins, :, None], forecast.quantiles[run][asins]], axis=-1))
        rows = []
        for k, asin in enumerate(asins):
            past = np.concatenate([history[k], ordered[k, :week]])
            rng = np.random.default_rng([world.sim.seed, week, asin, 1])
            mean, quantiles = summarize(direct_paths(past, SCORED_HORIZON, DEFAULT_SAMPLES, rng), LEVELS)
            rows.append(np.concatenate([mean[:, None], quantiles], axis=1))
        baseline.append(np.stack(rows))
    if not actual:
        return {"wql_mean": None, "baseline_wql_mean": None, "coverage_p10_p90": None}
    y = np.stack(actual)
    column = {level: 1 + LEVELS.index(level) for level in LEVELS}

    def wql(forecast: np.ndarray) -> float:
        return float(np.mean([weighted_quantile_loss(y, forecast[..., column[q]], q) for q in HEADLINE_QUANTILES]))

    ours_array, baseline_array = np.stack(ours), np.stack(baseline)
    return {
        "wql_mean": round(wql(ours_array), 4),
        "baseline_wql_mean": round(wql(baseline_array), 4),
        "coverage_p10_p90": round(coverage(y, ours_array[..., column[0.1]], ours_array[..., column[0.9]]), 4),
        "baseline": "direct: each week drawn from the last 8 weeks' PO units",
        "horizon_weeks": SCORED_HORIZON,
        "run_service_level": result.settings[run],
        "run_fill_rate": round(float(result.fill_rate[run]), 4),
    }


def summary_lines(payload: dict[str, Any]) -> list[str]:
    """What the command prints: each policy's inventory at the target fill rate, and vendorcast's ratio to the
    best baseline's."""
    target = payload["target_fill_rate"]
    lines = [f"seed {payload['seed']}, {payload['asins']} ASINs, {payload['weeks']} weeks "
             f"({payload['first_week']} to {payload['last_week']}); inventory at fill rate {target}:"]
    for name, policy in payload["policies"].items():
        at = policy["inventory_at_target"]
        lines.append(f"  {name:16} {f'{at:,.0f} units' if at is not None else 'never reaches it'}")
    ratio = payload.get("vendorcast_vs_best_baseline")
    if ratio is not None:
        lines.append(f"vendorcast / best baseline ({payload['best_baseline']}): {ratio:.2f}")
    return lines


COLOURS = {"vendorcast": "#d62728", "moving_average": "#1f77b4", "amazon_forecast": "#ff7f0e",
           "seasonal_naive": "#2ca02c"}


def frontier_page(payload: dict[str, Any]) -> str:
    """An HTML page with the frontiers drawn as inline SVG (fill rate across, average inventory up)."""
    width, height, margin = 640, 420, 60
    points = [p for policy in payload["policies"].values() for p in policy["frontier"]]
    fills = [p[0] for p in points] + [payload["target_fill_rate"]]
    low = max(0.0, min(fills) - 0.01)
    top = max((p[1] for p in points), default=1.0) * 1.05 or 1.0

    def x(fill: float) -> float:
        return margin + (fill - low) / (1.0 - low) * (width - 2 * margin)

    def y(units: float) -> float:
        return height - margin - units / top * (height - 2 * margin)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             'font-size="12">',
             f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" y2="{height - margin}" '
             'stroke="black"/>',
             f'<line x1="{margin}" y1="{margin}" x2="{margin}" y2="{height - margin}" stroke="black"/>']
    for k in range(6):
        fill = low + k * (1.0 - low) / 5
        units = k * top / 5
        parts.append(f'<text x="{x(fill):.1f}" y="{height - margin + 16}" text-anchor="middle">{fill:.2f}</text>')
        parts.append(f'<text x="{margin - 6}" y="{y(units) + 4:.1f}" text-anchor="end">{units:,.0f}</text>')
    target = payload["target_fill_rate"]
    parts.append(f'<line x1="{x(target):.1f}" y1="{margin}" x2="{x(target):.1f}" y2="{height - margin}" '
                 'stroke="grey" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{width / 2}" y="{height - 18}" text-anchor="middle">fill rate (units shipped in full '
                 'on time / units Amazon ordered)</text>')
    parts.append(f'<text x="16" y="{height / 2}" transform="rotate(-90 16 {height / 2})" text-anchor="middle">'
                 'average vendor inventory (units)</text>')
    for k, (name, policy) in enumerate(payload["policies"].items()):
        colour = COLOURS.get(name, "black")
        path = " ".join(f"{x(f):.1f},{y(i):.1f}" for f, i in policy["frontier"])
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{x(f):.1f}" cy="{y(i):.1f}" r="2.5" fill="{colour}"/>' for f, i in policy["frontier"]]
        at = policy["inventory_at_target"]
        label = f"{name}: {at:,.0f} units at {target:.2f}" if at is not None else f"{name}: never reaches {target}"
        parts.append(f'<text x="{margin + 10}" y="{margin + 14 * k}" fill="{colour}">{html.escape(label)}</text>')
    parts.append("</svg>")
    title = (f"Supply simulation: seed {payload['seed']}, {payload['asins']} ASINs, {payload['weeks']} weeks "
             f"({payload['first_week']} to {payload['last_week']})")
    lines = "".join(f"<li>{html.escape(line.strip())}</li>" for line in summary_lines(payload)[1:])
    return (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1>\n{''.join(parts)}\n<p>Inventory at fill rate {target}:</p>"
            f"<ul>{lines}</ul>\n</body></html>\n")
