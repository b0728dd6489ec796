"""Backtesting: a vectorised multi-symbol engine, strategies, metrics, trade list and charts.

Public surface: :func:`run_backtest` → :class:`BacktestResult`; :class:`Strategy` and the
registry :data:`STRATEGIES` / :func:`make_strategy`; :func:`simulate` (the engine on plain
matrices); :func:`compute_metrics`; :func:`plot_backtest`; the out-of-sample guard
:func:`ensure_out_of_sample`.

>>> from alphaforge.data.synthetic import SynthSpec, generate_bars
>>> bars = generate_bars(SynthSpec(symbols=3, bars=400, freq="1d", seed=1))
>>> result = run_backtest(bars, make_strategy("trend_baseline", fast=10, slow=30), fees_bps=10)
>>> result.equity.index.equals(result.positions.index), list(result.positions.columns)
(True, ['SYN00', 'SYN01', 'SYN02'])
"""

from __future__ import annotations

from alphaforge.backtest.costs import Costs
from alphaforge.backtest.engine import (
    ACCOUNTS,
    BENCHMARKS,
    BacktestResult,
    run_backtest,
    simulate,
)
from alphaforge.backtest.metrics import compute_metrics
from alphaforge.backtest.oos import check_walk_forward_rows, ensure_out_of_sample
from alphaforge.backtest.plots import plot_backtest
from alphaforge.backtest.strategies import (
    STRATEGIES,
    MeanReversion,
    ModelStrategy,
    Strategy,
    TrendBaseline,
    make_strategy,
)
from alphaforge.backtest.trades import list_trades

__all__ = [
    "ACCOUNTS", "BENCHMARKS", "STRATEGIES", "BacktestResult", "Costs", "MeanReversion", "ModelStrategy", "Strategy",
    "TrendBaseline", "check_walk_forward_rows", "compute_metrics", "ensure_out_of_sample", "list_trades",
    "make_strategy", "plot_backtest", "run_backtest", "simulate",
]
