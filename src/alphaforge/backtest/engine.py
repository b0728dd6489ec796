"""The backtest engine: target weights in, equity, trades and statistics out.

Execution is close to close at the signal's bar: the weight wanted at bar ``t`` (formed from
data known at ``t``, the bar's end) is traded at ``t``'s close and earns the return from
``t`` to the next bar, minus fees and slippage on the traded value
(:mod:`alphaforge.backtest.costs`). A signal at ``t`` never earns the return into ``t``.

Two ways to read weights (``accounts``):

``"per_symbol"``
    Each symbol has its own sub-account with ``initial_cash / symbols``; a weight is the
    fraction of that sub-account held (1 all in, -1 short, 0.5 half). It trades only when
    the weight changes and holds units in between, as vectorbt's ``from_signals`` does per
    column; equity is the sum of the sub-accounts. For timing strategies.
``"shared"``
    One account; a weight is a fraction of its equity and the account is rebalanced to the
    weights at every bar (costs include trading back from drift). For cross-sectional books.

A bar where a symbol has no price keeps its last price and position; before its first price
a symbol is flat. Nothing is liquidated when an account falls below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from alphaforge.backtest._checks import check_choice, check_number
from alphaforge.backtest._frames import Grid, align_weights, close_grid, fill_gaps
from alphaforge.backtest._ledger import Ledger
from alphaforge.backtest._shared_account import simulate_shared_account
from alphaforge.backtest._sub_accounts import simulate_sub_accounts
from alphaforge.backtest.costs import Costs
from alphaforge.backtest.metrics import compute_metrics
from alphaforge.backtest.strategies import STRATEGIES, Strategy, make_strategy
from alphaforge.backtest.trades import list_trades
from alphaforge.errors import InputError
from alphaforge.timestamps import to_utc
from alphaforge.workspace import atomic_write_json, atomic_write_parquet

ACCOUNTS = ("per_symbol", "shared")
BENCHMARKS = ("buy_and_hold", "equal_weight")
DEFAULT_CASH = 10_000.0
_SIMULATORS = {"per_symbol": simulate_sub_accounts, "shared": simulate_shared_account}


def simulate(close: np.ndarray, weights: np.ndarray, *, fees_bps: float = 0.0, slippage_bps: float = 0.0,
             accounts: str = "per_symbol", initial_cash: float = DEFAULT_CASH) -> Ledger:
    """Simulate target ``weights`` over ``close``, both arrays shaped (symbols, bars).

    The engine without frames, for callers that already hold matrices (a wide frame's
    ``to_numpy().T`` is one, without a copy). NaN closes are gaps, NaN weights are flat.

    >>> ledger = simulate(np.array([[100.0, 110.0, 99.0]]), np.array([[1.0, 1.0, 0.0]]),
    ...                   fees_bps=10, initial_cash=100.0)
    >>> ledger.equity.round(6).tolist()
    [99.9001, 109.89011, 98.802198]
    """
    check_choice(accounts, ACCOUNTS, "accounts")
    check_number(initial_cash, "initial_cash", low=1e-9)
    close, weights = np.asarray(close, dtype="float64"), np.asarray(weights, dtype="float64")
    if close.ndim != 2 or close.shape != weights.shape or close.shape[1] < 1:
        raise InputError(f"close {close.shape} and weights {weights.shape} must be equal (symbols, bars) matrices",
                         where="simulate", fix="pass two 2-d arrays of the same shape, one row per symbol")
    close, weights = fill_gaps(np.ascontiguousarray(close), np.ascontiguousarray(weights))
    costs = Costs(fees_bps=fees_bps, slippage_bps=slippage_bps)
    return _SIMULATORS[accounts](close, weights, costs, float(initial_cash))


@dataclass(frozen=True)
class BacktestResult:
    """Everything a backtest produced; series are indexed by bar timestamp.

    ``equity``: account value after each bar's trades; ``returns``: per-bar simple returns
    (the first against the initial cash); ``positions``: target weights in force (timestamps
    x symbols); ``holdings``: market value held per symbol; ``trades``: the trade list
    (:mod:`alphaforge.backtest.trades`); ``metrics``: :func:`~alphaforge.backtest.metrics.compute_metrics`;
    ``benchmark_*``: the same for the benchmark, or None; ``settings``: what was run.
    """

    equity: pd.Series
    returns: pd.Series
    positions: pd.DataFrame
    holdings: pd.DataFrame
    trades: pd.DataFrame
    metrics: dict[str, Any]
    benchmark_equity: pd.Series | None
    benchmark_metrics: dict[str, Any] | None
    settings: dict[str, Any]

    @property
    def drawdown(self) -> pd.Series:
        """Equity over its running peak, minus 1 (0 at a new high, negative below)."""
        return self.equity / self.equity.cummax() - 1.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready settings, metrics and benchmark metrics (what ``--json`` prints)."""
        return {"settings": self.settings, "metrics": self.metrics, "benchmark": self.benchmark_metrics}

    def save(self, folder: Path) -> dict[str, Path]:
        """Write ``summary.json``, ``equity.parquet`` (timestamp, equity, drawdown, benchmark),
        ``trades.parquet`` and ``positions.parquet`` (long: timestamp, symbol, weight) into
        ``folder``, each atomically; returns the paths by name."""
        folder = Path(folder)
        curves = pd.DataFrame({"equity": self.equity, "drawdown": self.drawdown})
        if self.benchmark_equity is not None:
            curves["benchmark"] = self.benchmark_equity
        positions = self.positions.stack().rename("weight").reset_index()
        paths = {name: folder / f"{name}.parquet" for name in ("equity", "trades", "positions")}
        atomic_write_parquet(paths["equity"], curves.reset_index())
        atomic_write_parquet(paths["trades"], self.trades)
        atomic_write_parquet(paths["positions"], positions[positions["weight"] != 0])
        paths["summary"] = folder / "summary.json"
        atomic_write_json(paths["summary"], self.summary())
        return paths


def _weights_of(strategy: Strategy | pd.DataFrame | str, grid: Grid) -> tuple[np.ndarray, Strategy | None]:
    if isinstance(strategy, str):
        strategy = make_strategy(strategy)
    if isinstance(strategy, Strategy):
        return align_weights(strategy.target_weights(grid.close_frame()), grid), strategy
    if isinstance(strategy, pd.DataFrame):
        return align_weights(strategy, grid), None
    raise InputError(f"strategy must be a Strategy, a strategy name or a wide weight frame, "
                     f"got {type(strategy).__name__}", where="strategy",
                     fix=f"pass one of {sorted(STRATEGIES)} or target weights (timestamps x symbols)")


def _window(grid: Grid, start: object, end: object) -> slice:
    """The bars inside [start, end] (inclusive, None = open) as a slice of the sorted grid."""
    first = 0 if start is None else int(grid.timestamps.searchsorted(to_utc(start, "start"), side="left"))
    stop = len(grid.timestamps) if end is None else int(grid.timestamps.searchsorted(to_utc(end, "end"), side="right"))
    if stop - first < 2:
        raise InputError(f"the range {start} .. {end} holds {max(stop - first, 0)} bar(s); a backtest needs 2",
                         where="start/end", fix=f"the bars run {grid.timestamps[0]} .. {grid.timestamps[-1]}")
    return slice(first, stop)


def _benchmark_weights(close: np.ndarray, benchmark: str) -> tuple[np.ndarray, str]:
    if benchmark == "buy_and_hold":
        return np.ones_like(close), "per_symbol"
    listed = np.isfinite(close)
    return listed / np.maximum(listed.sum(axis=0), 1), "shared"


class _Run(NamedTuple):
    weights: np.ndarray
    ledger: Ledger
    equity: pd.Series
    trades: pd.DataFrame
    metrics: dict[str, Any]


def _run(grid: Grid, weights: np.ndarray, accounts: str, costs: Costs, initial_cash: float,
         periods_per_year: float | None, trial_sharpes: object) -> _Run:
    """Simulate ``weights`` on the grid and describe the result: equity, trades, metrics."""
    close, weights = fill_gaps(grid.close, weights)
    ledger = _SIMULATORS[accounts](close, weights, costs, initial_cash)
    equity = pd.Series(ledger.equity, index=grid.timestamps, name="equity")
    trades = list_trades(close, weights, grid.timestamps, grid.symbols, costs)
    exposure = pd.Series(np.abs(ledger.holdings).sum(axis=0) / ledger.equity, index=grid.timestamps)
    metrics = compute_metrics(equity, initial_cash=initial_cash, periods_per_year=periods_per_year, trades=trades,
                              traded=pd.Series(ledger.traded, index=grid.timestamps), exposure=exposure,
                              trial_sharpes=trial_sharpes)
    return _Run(weights, ledger, equity, trades, metrics)


def _check_leverage(weights: np.ndarray, accounts: str, grid: Grid, max_leverage: float) -> None:
    """Refuse weights whose exposure exceeds ``max_leverage`` (per sub-account, or gross in a shared one)."""
    exposure = np.abs(np.nan_to_num(weights))
    if accounts == "shared":
        exposure = exposure.sum(axis=0, keepdims=True)
    worst = np.unravel_index(int(np.argmax(exposure)), exposure.shape)
    if exposure[worst] > max_leverage * (1 + 1e-12):
        scope = "gross exposure of the shared account" if accounts == "shared" \
            else f"weight of {grid.symbols[worst[0]]!r} in its sub-account"
        raise InputError(f"the {scope} reaches {exposure[worst]:.4g} at {grid.timestamps[worst[1]]}, "
                         f"above max_leverage={max_leverage}", where="positions",
                         fix="scale the weights down (in a shared account they are fractions of the whole "
                             "equity), use accounts='per_symbol', or raise max_leverage on purpose")


def run_backtest(bars: pd.DataFrame, strategy: Strategy | pd.DataFrame | str, *, fees_bps: float = 10.0,
                 slippage_bps: float = 0.0, accounts: str | None = None, benchmark: str | None = "buy_and_hold",
                 initial_cash: float = DEFAULT_CASH, start: object = None, end: object = None,
                 max_leverage: float = 1.0, periods_per_year: float | None = None,
                 trial_sharpes: object = None) -> BacktestResult:
    """Backtest a strategy (or a wide frame of target weights) on canonical long bars.

    ``accounts`` defaults to the strategy's own (``per_symbol`` for weight frames).
    ``benchmark``: ``"buy_and_hold"`` (every symbol's sub-account all in from its first bar),
    ``"equal_weight"`` (one account, 1/n in each listed symbol, rebalanced every bar) or None;
    it pays the same costs. ``start``/``end`` bound the traded range; bars before ``start``
    still feed the strategy's indicators. ``max_leverage`` caps |weight| per sub-account, or
    the sum of |weights| in a shared account (1: no borrowing beyond a full short). ``trial_sharpes``: per-bar Sharpe ratios of every
    configuration tried, for the deflated Sharpe ratio.

    >>> from alphaforge.data.synthetic import SynthSpec, generate_bars
    >>> bars = generate_bars(SynthSpec(symbols=2, bars=500, freq="1d", seed=0))
    >>> result = run_backtest(bars, "trend_baseline", fees_bps=10)
    >>> sorted(result.metrics)[:4], len(result.equity)
    (['annual_return', 'bars', 'calmar', 'dsr'], 500)
    """
    check_number(initial_cash, "initial_cash", low=1e-9)
    if benchmark is not None:
        check_choice(benchmark, BENCHMARKS, "benchmark")
    costs = Costs(fees_bps=fees_bps, slippage_bps=slippage_bps)
    grid = close_grid(bars)
    weights, chosen = _weights_of(strategy, grid)
    accounts = check_choice(accounts or (chosen.accounts if chosen else "per_symbol"), ACCOUNTS, "accounts")
    window = _window(grid, start, end)
    grid = Grid(grid.timestamps[window], grid.symbols, grid.close[:, window])
    weights = weights[:, window]
    _check_leverage(weights, accounts, grid, check_number(max_leverage, "max_leverage", low=0.0))
    if chosen is not None:
        chosen.check_range(grid.timestamps[0], grid.timestamps[-1])
    run = _run(grid, weights, accounts, costs, float(initial_cash), periods_per_year, trial_sharpes)
    base = None
    if benchmark is not None:
        base_weights, base_accounts = _benchmark_weights(grid.close, benchmark)
        base = _run(grid, base_weights, base_accounts, costs, float(initial_cash), run.metrics["periods_per_year"],
                    None)
    settings = {
        "strategy": chosen.name if chosen else "weights",
        "params": {k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
                   for k, v in (chosen.get_params() if chosen else {}).items() if not isinstance(v, pd.DataFrame)},
        "fees_bps": float(fees_bps), "slippage_bps": float(slippage_bps), "accounts": accounts,
        "benchmark": benchmark, "initial_cash": float(initial_cash), "max_leverage": float(max_leverage),
        "start": str(grid.timestamps[0]), "end": str(grid.timestamps[-1]),
    }
    return BacktestResult(
        equity=run.equity, returns=(run.equity.pct_change().fillna(run.equity.iloc[0] / initial_cash - 1.0)
                                    .rename("returns")),
        positions=grid.frame(run.weights), holdings=grid.frame(run.ledger.holdings), trades=run.trades,
        metrics=run.metrics, benchmark_equity=None if base is None else base.equity.rename("benchmark"),
        benchmark_metrics=None if base is None else base.metrics, settings=settings)
