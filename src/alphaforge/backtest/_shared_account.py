"""One account for all symbols, rebalanced to the target weights at every bar's close.

The portfolio accounting of cross-sectional strategies (top-k long/short books): weights are
fractions of the whole account's equity and their absolute sum is the gross exposure. At
every bar the holdings first drift with their returns, then trade back to the targets,
paying costs on every traded value, drift included. Each bar's post-trade value is the
previous one times a factor (:func:`~alphaforge.backtest.costs.rebalanced_equity`), so the
equity curve is one cumulative product; nothing loops over time.
"""

from __future__ import annotations

import numpy as np

from alphaforge.backtest._ledger import Ledger
from alphaforge.backtest.costs import Costs, rebalanced_equity


def simulate_shared_account(close: np.ndarray, weights: np.ndarray, costs: Costs, initial_cash: float) -> Ledger:
    """Simulate one account over ``close``/``weights`` (symbols, bars), gap-free."""
    n_bars = close.shape[1]
    growth = np.ones_like(close)
    growth[:, 1:] = close[:, 1:] / close[:, :-1]
    held_before = np.zeros_like(weights)  # per unit of the previous post-trade value
    held_before[:, 1:] = weights[:, :-1] * growth[:, 1:]
    before = np.ones(n_bars)
    before[1:] = 1.0 - weights[:, :-1].sum(axis=0) + held_before[:, 1:].sum(axis=0)
    factor = rebalanced_equity(before, held_before, weights, costs)
    equity = initial_cash * np.cumprod(factor)
    previous = np.concatenate(([initial_cash], equity[:-1]))
    holdings = weights * equity
    traded = np.abs(holdings - held_before * previous).sum(axis=0)
    return Ledger(equity=equity, holdings=holdings, traded=traded, costs=previous * before - equity)
