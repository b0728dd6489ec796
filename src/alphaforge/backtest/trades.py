"""The trade list: one row per run of same-side exposure in a symbol.

A trade opens at the bar whose target weight becomes non-zero (or changes sign) and closes at
the bar where it returns to zero or flips; a resize on the same side stays in the same
trade. Prices are the closes of those bars (the engine trades at the close of the signal's
bar). A trade still open at the last bar is marked at that bar's close with
``status == "open"``.

``return`` is per unit of the asset, net of costs: a long buys at ``entry * (1 +
buy_rate)`` and sells at ``exit * (1 - sell_rate)``; a short sells at ``entry * (1 -
sell_rate)`` and buys back at ``exit * (1 + buy_rate)``; the return is the gain over the
entry amount. For a sub-account that goes all in (weight 1) it is exactly the sub-account's
return over the trade.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.backtest.costs import Costs

TRADE_COLUMNS = ("symbol", "side", "weight", "entry_time", "exit_time", "entry_price", "exit_price",
                 "bars_held", "return", "status")


def list_trades(close: np.ndarray, weights: np.ndarray, timestamps: pd.DatetimeIndex, symbols: pd.Index,
                costs: Costs) -> pd.DataFrame:
    """Trades of gap-free ``close``/``weights`` arrays (symbols, bars), sorted by symbol then entry."""
    n_bars = close.shape[1]
    side = np.sign(weights)
    previous = np.zeros_like(side)
    previous[:, 1:] = side[:, :-1]
    flips = side != previous
    entries = np.flatnonzero(flips & (side != 0))
    exits = np.flatnonzero(flips & (previous != 0))
    following = np.searchsorted(exits, entries, side="right")
    symbol = entries // n_bars
    row_end = symbol * n_bars + n_bars - 1
    candidate = exits[np.minimum(following, len(exits) - 1)] if len(exits) else row_end
    closed = (following < len(exits)) & (candidate // n_bars == symbol)
    exit_at = np.where(closed, candidate, row_end)
    flat_close, flat_side = close.ravel(), side.ravel()
    entry_price, exit_price = flat_close[entries], flat_close[exit_at]
    is_long = flat_side[entries] > 0
    buy, sell = 1.0 + costs.buy_rate, 1.0 - costs.sell_rate
    returns = np.where(is_long, exit_price * sell / (entry_price * buy) - 1.0,
                       1.0 - exit_price * buy / (entry_price * sell))
    entry_bar, exit_bar = entries % n_bars, exit_at % n_bars
    return pd.DataFrame({
        "symbol": symbols[symbol],
        "side": np.where(is_long, "long", "short"),
        "weight": np.abs(weights.ravel()[entries]),
        "entry_time": timestamps[entry_bar],
        "exit_time": timestamps[exit_bar],
        "entry_price": entry_price,
        "exit_price": exit_price,
        "bars_held": exit_bar - entry_bar,
        "return": returns,
        "status": np.where(closed, "closed", "open"),
    }, columns=list(TRADE_COLUMNS))
