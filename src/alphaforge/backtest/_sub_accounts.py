"""One sub-account per symbol, each holding units between changes of its target weight.

This is the accounting of vectorbt's ``Portfolio.from_signals`` run column by column: each
symbol gets ``initial_cash / symbols``; when its target weight changes at bar t the
sub-account trades at t's close to hold ``weight * equity`` of the symbol (after costs), then
keeps those units (and its cash) until the next change, so its exposure drifts with the
price. A weight of 1 is all in, -1 a short of the whole sub-account, 0.5 half.

Vectorised without a loop over time. Between two trades a sub-account holds ``u`` units and
``c`` cash, so its value is ``c + u * close_t``: only the value just after each trade is
needed, and that is the value after the previous trade times a factor that depends on the
old weight, the new weight and the price ratio between the two trades
(:func:`~alphaforge.backtest.costs.rebalanced_equity`). Per-symbol cumulative products of
those factors give every post-trade value; ``np.repeat`` spreads units and cash over the
bars until the next trade.
"""

from __future__ import annotations

import numpy as np

from alphaforge.backtest._ledger import Ledger
from alphaforge.backtest.costs import Costs, rebalanced_equity


def _grouped_cumprod(factors: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Cumulative product of ``factors`` restarting at every group (``groups`` sorted)."""
    counts = np.bincount(groups, minlength=n_groups)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    position = np.arange(len(factors)) - offsets[groups]
    table = np.ones((n_groups, counts.max()))
    table[groups, position] = factors
    return np.cumprod(table, axis=1)[groups, position]


def simulate_sub_accounts(close: np.ndarray, weights: np.ndarray, costs: Costs, initial_cash: float) -> Ledger:
    """Simulate one sub-account per row of ``close``/``weights`` (symbols, bars), gap-free."""
    n_symbols, n_bars = close.shape
    changes = np.empty((n_symbols, n_bars), dtype=bool)
    changes[:, 0] = True  # every sub-account opens a segment at its first bar, trading or not
    np.not_equal(weights[:, 1:], weights[:, :-1], out=changes[:, 1:])
    starts = np.flatnonzero(changes)
    flat_close, flat_weights = close.ravel(), weights.ravel()
    symbol, bar = np.divmod(starts, n_bars)
    first = bar == 0
    old_weight = np.where(first, 0.0, flat_weights[starts - 1])
    new_weight = flat_weights[starts]
    previous = np.where(first, starts, np.roll(starts, 1))  # start of the segment that ends here
    growth = flat_close[starts] / flat_close[previous]
    before = 1.0 + old_weight * (growth - 1.0)  # value before trading, per unit after the last trade
    held = old_weight * growth  # value held then, same unit
    factor = rebalanced_equity(before, held[None, :], new_weight[None, :], costs)
    after = (initial_cash / n_symbols) * _grouped_cumprod(factor, symbol, n_symbols)
    units = after * new_weight / flat_close[starts]
    cash = after * (1.0 - new_weight)
    lengths = np.diff(np.append(starts, close.size))
    holdings = np.repeat(units, lengths)
    holdings *= flat_close  # in place: fresh large arrays cost more than the arithmetic
    equity = np.repeat(cash, lengths)
    equity += holdings
    previous_after = np.where(first, initial_cash / n_symbols, np.roll(after, 1))
    previous_units = np.where(first, 0.0, np.roll(units, 1))
    traded = np.abs(units - previous_units) * flat_close[starts]
    paid = previous_after * before - after
    accounts = equity.reshape(n_symbols, n_bars)
    return Ledger(equity=accounts.sum(axis=0), holdings=holdings.reshape(n_symbols, n_bars),
                  traded=np.bincount(bar, weights=traded, minlength=n_bars),
                  costs=np.bincount(bar, weights=paid, minlength=n_bars), account_equity=accounts)
