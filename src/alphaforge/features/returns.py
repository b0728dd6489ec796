"""Price and returns: returns (rate of change) at several horizons, acceleration, distance to
rolling highs and lows, drawdown from the rolling maximum, distance to moving averages, and
the classic cross-sectional equity factors in bar units: skip-a-month momentum
(Jegadeesh-Titman), distance to the one-year high (George-Hwang) and the largest one-bar
return of the last month (Bali-Cakici-Whitelaw "MAX").

``px_ret_{n}`` is the shared convention: close_t / close_{t-n} - 1.
"""

from __future__ import annotations

import numpy as np

from alphaforge.features.registry import register
from alphaforge.features.windows import lag, log_prices, rolling_max, rolling_mean, rolling_min, with_lagged


def simple_return(close: np.ndarray, *, n: int) -> np.ndarray:
    """close_t / close_{t-n} - 1."""
    return with_lagged(np.divide, close, close, n) - 1.0


def acceleration(close: np.ndarray, *, n: int) -> np.ndarray:
    """The ``n``-bar return minus the ``n``-bar return ending ``n`` bars earlier."""
    returns = simple_return(close, n=n)
    return with_lagged(np.subtract, returns, returns, n)


def distance_to_high(high: np.ndarray, close: np.ndarray, *, window: int) -> np.ndarray:
    """close / highest high of the last ``window`` bars - 1 (≤ 0)."""
    return close / rolling_max(high, window) - 1.0


def distance_to_low(low: np.ndarray, close: np.ndarray, *, window: int) -> np.ndarray:
    """close / lowest low of the last ``window`` bars - 1 (≥ 0)."""
    return close / rolling_min(low, window) - 1.0


def drawdown(close: np.ndarray, *, window: int) -> np.ndarray:
    """close / highest close of the last ``window`` bars - 1 (≤ 0); works on close-only data."""
    return close / rolling_max(close, window) - 1.0


def momentum(close: np.ndarray, *, lookback: int, skip: int) -> np.ndarray:
    """log close_{t-skip} - log close_{t-lookback}: the trend up to ``skip`` bars ago, leaving out
    the most recent bars (whose short-term reversal would blur it)."""
    log_close = log_prices(close)
    return lag(with_lagged(np.subtract, log_close, log_close, lookback - skip), skip)


def largest_return(close: np.ndarray, *, window: int) -> np.ndarray:
    """The largest one-bar simple return of the last ``window`` bars."""
    return rolling_max(with_lagged(np.divide, close, close, 1) - 1.0, window)


def moving_average_gap(close: np.ndarray, *, window: int) -> np.ndarray:
    """close / simple moving average of the last ``window`` closes - 1."""
    return close / rolling_mean(close, window) - 1.0


for _n in (1, 2, 3, 6, 12, 24, 48, 96, 168, 252):
    register(simple_return, name=f"px_ret_{_n}", params={"n": _n}, lookback=_n,
             description=f"return (rate of change) over {_n} bars: close / close {_n} bars ago - 1")
for _n in (6, 24):
    register(acceleration, name=f"px_acc_{_n}", params={"n": _n}, lookback=2 * _n,
             description=f"{_n}-bar return minus the {_n}-bar return before it")
for _n in (24, 72, 168, 252):
    register(distance_to_high, name=f"px_dist_high_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"close / {_n}-bar highest high - 1")
    register(distance_to_low, name=f"px_dist_low_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"close / {_n}-bar lowest low - 1")
for _n in (72, 168, 504):
    register(drawdown, name=f"px_drawdown_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"drawdown: close / {_n}-bar highest close - 1")
for _n in (10, 20, 50, 100, 200):
    register(moving_average_gap, name=f"px_ma_gap_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"close / {_n}-bar simple moving average - 1")
for _lookback in (63, 126, 252):
    register(momentum, name=f"px_mom_{_lookback}_21", params={"lookback": _lookback, "skip": 21}, lookback=_lookback,
             description=f"momentum: log close 21 bars ago minus log close {_lookback} bars ago")
register(largest_return, name="px_max_ret_21", params={"window": 21}, lookback=21,
         description="largest one-bar return of the last 21 bars")
