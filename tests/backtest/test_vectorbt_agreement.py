"""Agreement with vectorbt's ``Portfolio.from_signals`` (a benchmark peer, not a dependency).

Slow: importing vectorbt and compiling its numba kernels takes tens of seconds. Equity agrees
to 1e-9 relative for long/flat signals with fees and slippage and for long/short signals with
fees. Not compared: shorts *with slippage*, where the conventions differ on purpose (vectorbt
sizes a short so that its proceeds equal the cash; AlphaForge holds exactly the target
weight of the post-trade equity).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.backtest import run_backtest, simulate

vbt = pytest.importorskip("vectorbt")
pytestmark = pytest.mark.slow


def crossover_market(seed: int, n_bars: int = 3000, symbols: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    times = pd.date_range("2021-01-01", periods=n_bars, freq="h", tz="UTC")
    close = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_bars, symbols)), axis=0)), index=times,
                         columns=[f"S{i}" for i in range(symbols)])
    side = np.sign(close.ewm(span=10, adjust=False).mean() - close.ewm(span=40, adjust=False).mean()).to_numpy()
    side = side.copy()
    side[:40] = 0.0
    return close, side


@pytest.mark.parametrize(("fees", "slippage"), [(0.001, 0.0), (0.001, 0.0005), (0.0, 0.002)])
def test_long_flat_equity_matches(fees: float, slippage: float) -> None:
    close, side = crossover_market(0)
    entries = pd.DataFrame(side > 0, index=close.index, columns=close.columns)
    portfolio = vbt.Portfolio.from_signals(close, entries, ~entries, fees=fees, slippage=slippage, init_cash=100.0)
    ours = simulate(close.to_numpy().T, (side > 0).T.astype(float), fees_bps=fees * 1e4,
                    slippage_bps=slippage * 1e4, initial_cash=100.0 * close.shape[1])
    np.testing.assert_allclose(ours.equity, portfolio.value().sum(axis=1).to_numpy(), rtol=1e-9)


def test_long_short_equity_matches_with_fees() -> None:
    close, side = crossover_market(1)
    longs = pd.DataFrame(side > 0, index=close.index, columns=close.columns)
    shorts = pd.DataFrame(side < 0, index=close.index, columns=close.columns)
    portfolio = vbt.Portfolio.from_signals(close, longs, ~longs, short_entries=shorts, short_exits=~shorts,
                                           fees=0.001, init_cash=100.0)
    ours = simulate(close.to_numpy().T, side.T, fees_bps=10, initial_cash=100.0 * close.shape[1])
    np.testing.assert_allclose(ours.equity, portfolio.value().sum(axis=1).to_numpy(), rtol=1e-9)


def test_statistics_match_for_one_symbol() -> None:
    close, side = crossover_market(2, symbols=1)
    entries = pd.Series(side[:, 0] > 0, index=close.index)
    portfolio = vbt.Portfolio.from_signals(close["S0"], entries, ~entries, fees=0.001, init_cash=100.0)
    bars = close.stack().rename("close").reset_index().rename(columns={"level_0": "timestamp", "level_1": "symbol"})
    result = run_backtest(bars, pd.DataFrame({"S0": (side[:, 0] > 0).astype(float)}, index=close.index),
                          fees_bps=10, initial_cash=100.0, benchmark=None)
    assert result.metrics["total_return"] == pytest.approx(portfolio.total_return(), rel=1e-9)
    assert result.metrics["max_drawdown"] == pytest.approx(portfolio.max_drawdown(), rel=1e-9)
    assert result.metrics["n_trades"] == portfolio.trades.count()
    closed = result.trades[result.trades["status"] == "closed"]
    # Same profit, other denominator: vectorbt divides by the entry value before the entry fee,
    # AlphaForge by the amount the entry cost (so a return is the sub-account's over the trade).
    np.testing.assert_allclose(closed["return"].to_numpy() * 1.001, portfolio.trades.closed.returns.values, rtol=1e-9)
