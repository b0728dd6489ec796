"""The vectorised engine equals a naive broker loop on random markets (Hypothesis).

The loops below are written the slow, obvious way, independently of the engine's algebra:
a broker holds cash and units, fills buys at ``price * (1 + slippage)`` plus a fee on the
filled value and sells at ``price * (1 - slippage)`` minus the fee, and finds by bisection
the trade that leaves the wanted fraction of the post-trade equity in the asset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from alphaforge.backtest import simulate
from alphaforge.backtest.costs import Costs
from alphaforge.backtest.trades import list_trades


def _fill(units_before: np.ndarray, units_after: np.ndarray, prices: np.ndarray, fee: float, slip: float) -> float:
    """Cash change of moving from ``units_before`` to ``units_after`` at ``prices``."""
    change = units_after - units_before
    bought = np.where(change > 0, change, 0.0) * prices * (1 + slip) * (1 + fee)
    sold = np.where(change < 0, -change, 0.0) * prices * (1 - slip) * (1 - fee)
    return float(sold.sum() - bought.sum())


def _rebalance(cash: float, units: np.ndarray, prices: np.ndarray, targets: np.ndarray, fee: float,
               slip: float) -> tuple[float, np.ndarray]:
    """Trade so that units * prices == targets * post-trade equity; returns (cash, units)."""
    value = cash + float(units @ prices)

    def mismatch(equity: float) -> float:
        new_units = targets * equity / prices
        return cash + _fill(units, new_units, prices, fee, slip) + float(new_units @ prices) - equity

    if fee == 0 and slip == 0 or np.allclose(targets * value, units * prices, rtol=0, atol=0):
        equity = value
    else:
        equity = brentq(mismatch, value * 0.5, value * 1.0000001, xtol=1e-13, rtol=1e-15)
    new_units = targets * equity / prices
    return cash + _fill(units, new_units, prices, fee, slip), new_units


def naive_sub_accounts(close: np.ndarray, weights: np.ndarray, fee: float, slip: float, cash: float) -> np.ndarray:
    """Per-symbol sub-accounts: trade only when the weight changes and a price exists."""
    n_symbols, n_bars = close.shape
    total = np.zeros(n_bars)
    for s in range(n_symbols):
        money, units, held_weight, price = cash / n_symbols, np.zeros(1), 0.0, np.nan
        for t in range(n_bars):
            if np.isfinite(close[s, t]):
                price = close[s, t]
                wanted = 0.0 if np.isnan(weights[s, t]) else weights[s, t]
                if wanted != held_weight:
                    money, units = _rebalance(money, units, np.array([price]), np.array([wanted]), fee, slip)
                    held_weight = wanted
            total[t] += money + (units[0] * price if np.isfinite(price) else 0.0)
    return total


def naive_shared(close: np.ndarray, weights: np.ndarray, fee: float, slip: float, cash: float) -> np.ndarray:
    """One account rebalanced to all weights at every bar (gap-free closes)."""
    money, units = cash, np.zeros(close.shape[0])
    equity = []
    for t in range(close.shape[1]):
        money, units = _rebalance(money, units, close[:, t], np.nan_to_num(weights[:, t]), fee, slip)
        equity.append(money + float(units @ close[:, t]))
    return np.array(equity)


def naive_trades(close: np.ndarray, weights: np.ndarray) -> list[tuple[int, int, int, int, bool]]:
    """(symbol, side, entry bar, exit bar, closed) for every run of same-side exposure."""
    out = []
    for s in range(close.shape[0]):
        side, entry = 0, 0
        for t in range(close.shape[1]):
            now = int(np.sign(weights[s, t]))
            if now != side:
                if side != 0:
                    out.append((s, side, entry, t, True))
                side, entry = now, t
        if side != 0:
            out.append((s, side, entry, close.shape[1] - 1, False))
    return out


@st.composite
def markets(draw: st.DrawFn, gaps: bool) -> tuple[np.ndarray, np.ndarray]:
    """Random (close, weights), symbols x bars; weights change sparsely, some fractional or short."""
    n_symbols, n_bars = draw(st.integers(1, 3)), draw(st.integers(2, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, (n_symbols, n_bars)), axis=1))
    levels = rng.choice([-1.0, -0.5, 0.0, 0.0, 0.3, 1.0], size=(n_symbols, n_bars))
    keep = rng.random((n_symbols, n_bars)) < 0.7
    weights = np.where(keep, np.nan, levels)
    weights = pd.DataFrame(weights.T).ffill().fillna(0.0).to_numpy().T.copy()
    weights[rng.random(weights.shape) < 0.05] = np.nan  # NaN weight = flat
    if gaps:
        close[rng.random(close.shape) < 0.15] = np.nan
        close[:, 0][rng.random(n_symbols) < 0.5] = np.nan  # some symbols start late
        close[:, -1] = np.where(np.isnan(close[:, -1]), 50.0, close[:, -1])  # every symbol listed somewhere
    return close, weights


costs_bps = st.sampled_from([0.0, 1.0, 10.0, 100.0])


@settings(max_examples=60, deadline=None)
@given(market=markets(gaps=True), fees=costs_bps, slippage=costs_bps)
def test_sub_accounts_equal_the_naive_broker(market: tuple[np.ndarray, np.ndarray], fees: float,
                                             slippage: float) -> None:
    close, weights = market
    ledger = simulate(close, weights, fees_bps=fees, slippage_bps=slippage, initial_cash=1000.0)
    expected = naive_sub_accounts(close, weights, fees / 1e4, slippage / 1e4, 1000.0)
    np.testing.assert_allclose(ledger.equity, expected, rtol=1e-10)


@settings(max_examples=60, deadline=None)
@given(market=markets(gaps=False), fees=costs_bps, slippage=costs_bps)
def test_shared_account_equals_the_naive_broker(market: tuple[np.ndarray, np.ndarray], fees: float,
                                                slippage: float) -> None:
    close, weights = market
    weights = weights / close.shape[0]  # keep the gross exposure at most 1
    ledger = simulate(close, weights, fees_bps=fees, slippage_bps=slippage, accounts="shared", initial_cash=1000.0)
    expected = naive_shared(close, weights, fees / 1e4, slippage / 1e4, 1000.0)
    np.testing.assert_allclose(ledger.equity, expected, rtol=1e-10)


@settings(max_examples=60, deadline=None)
@given(market=markets(gaps=False))
def test_trade_list_equals_the_naive_scan(market: tuple[np.ndarray, np.ndarray]) -> None:
    close, weights = market
    weights = np.nan_to_num(weights)
    times = pd.date_range("2024-01-01", periods=close.shape[1], freq="h", tz="UTC")
    trades = list_trades(close, weights, times, pd.Index([f"S{i}" for i in range(close.shape[0])]), Costs())
    got = [(int(s[1:]), 1 if side == "long" else -1, times.get_loc(a), times.get_loc(b), status == "closed")
           for s, side, a, b, status in trades[["symbol", "side", "entry_time", "exit_time", "status"]].itertuples(
               index=False)]
    assert got == naive_trades(close, weights)
    gross = np.where(trades["side"] == "long", 1, -1) * (trades["exit_price"] / trades["entry_price"] - 1)
    np.testing.assert_allclose(trades["return"], gross, rtol=1e-12, atol=1e-15)  # no costs: the price return


@settings(max_examples=40, deadline=None)
@given(market=markets(gaps=True), fees=costs_bps)
def test_a_weight_never_earns_the_return_into_its_own_bar(market: tuple[np.ndarray, np.ndarray],
                                                          fees: float) -> None:
    """Changing prices after bar t leaves the equity up to t unchanged (no look-ahead in the engine)."""
    close, weights = market
    cut = close.shape[1] // 2
    shocked = close.copy()
    shocked[:, cut + 1:] *= 1.5
    before = simulate(close, weights, fees_bps=fees).equity
    after = simulate(shocked, weights, fees_bps=fees).equity
    np.testing.assert_array_equal(before[: cut + 1], after[: cut + 1])
