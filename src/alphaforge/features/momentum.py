"""Momentum oscillators: RSI, stochastic %K/%D, Williams %R, CCI, money flow index.

RSI uses Wilder's smoothing as a truncated EMA (see :mod:`alphaforge.features.windows`);
the others are finite-window definitions identical to TA-Lib's.
"""

from __future__ import annotations

import numpy as np

from alphaforge.features._memo import shared
from alphaforge.features.registry import register
from alphaforge.features.windows import (
    ema_lookback,
    ema_sum,
    lag,
    percent,
    rolling_max,
    rolling_mean,
    rolling_mean_abs_deviation,
    rolling_min,
    rolling_sum,
    safe_divide,
    wilder_alpha,
    with_lagged,
)


@shared
def _gains_losses(close: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each bar's rise and fall of close (0 when it moved the other way; NaN on the first row),
    which RSI smooths at every window."""
    change = with_lagged(np.subtract, close, close, 1)
    return np.maximum(change, 0.0), np.maximum(-change, 0.0)  # np.maximum keeps the NaN of the first row


def rsi(close: np.ndarray, *, window: int) -> np.ndarray:
    """Relative strength index, 0..100: Wilder-smoothed gains over gains plus losses."""
    rises, falls = _gains_losses(close)
    alpha = wilder_alpha(window)
    gains = ema_sum(rises, alpha)
    losses = ema_sum(falls, alpha)  # a ratio: the EMA normalisation cancels
    return percent(safe_divide(gains, gains + losses))


@shared
def _range(high: np.ndarray, low: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Highest high and lowest low of the last ``window`` bars, which %K and %R both read."""
    return rolling_max(high, window), rolling_min(low, window)


@shared
def typical_price(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """(high + low + close) / 3, the price CCI and the money flow index read."""
    return (high + low + close) / 3.0


@shared
def _slow_k(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: int, smooth: int) -> np.ndarray:
    highest, lowest = _range(high, low, window)
    return rolling_mean(percent(safe_divide(close - lowest, highest - lowest)), smooth)


def stoch_k(high: np.ndarray, low: np.ndarray, close: np.ndarray, *, window: int, smooth: int) -> np.ndarray:
    """Slow stochastic %K, 0..100: the position of close in the ``window``-bar range, averaged over ``smooth``."""
    return _slow_k(high, low, close, window, smooth)


def stoch_d(high: np.ndarray, low: np.ndarray, close: np.ndarray, *, window: int, smooth: int) -> np.ndarray:
    """Stochastic %D: slow %K averaged over another ``smooth`` bars."""
    return rolling_mean(_slow_k(high, low, close, window, smooth), smooth)


def williams_r(high: np.ndarray, low: np.ndarray, close: np.ndarray, *, window: int) -> np.ndarray:
    """Williams %R, -100..0: distance of close below the ``window``-bar high, as a share of the range."""
    highest, lowest = _range(high, low, window)
    return -100.0 * safe_divide(highest - close, highest - lowest)


def cci(high: np.ndarray, low: np.ndarray, close: np.ndarray, *, window: int) -> np.ndarray:
    """Commodity channel index: typical price minus its mean, over 0.015 × mean absolute deviation."""
    typical = typical_price(high, low, close)
    mean = rolling_mean(typical, window)
    deviation = rolling_mean_abs_deviation(typical, window, mean)
    return safe_divide(typical - mean, 0.015 * deviation)


def mfi(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, *, window: int) -> np.ndarray:
    """Money flow index, 0..100: volume-weighted RSI of the typical price over ``window`` bars."""
    typical = typical_price(high, low, close)
    previous = lag(typical, 1)
    flow = typical * volume
    unknown = np.isnan(previous)
    positive = flow * (typical > previous)
    positive[unknown] = np.nan
    negative = flow * (typical < previous)
    negative[unknown] = np.nan
    up = rolling_sum(positive, window)
    return percent(safe_divide(up, up + rolling_sum(negative, window)))


for _n in (7, 14, 21):
    register(rsi, name=f"ta_rsi_{_n}", params={"window": _n}, lookback=1 + ema_lookback(wilder_alpha(_n)),
             description=f"RSI, Wilder smoothing over {_n} bars (truncated EMA), 0..100")
for _n in (14, 28):
    _params = {"window": _n, "smooth": 3}
    register(stoch_k, name=f"ta_stoch_k_{_n}", params=_params, lookback=_n - 1 + 2,
             description=f"slow stochastic %K: close in the {_n}-bar high-low range, 3-bar mean, 0..100")
    register(stoch_d, name=f"ta_stoch_d_{_n}", params=_params, lookback=_n - 1 + 4,
             description=f"stochastic %D: 3-bar mean of slow %K ({_n} bars), 0..100")
    register(williams_r, name=f"ta_willr_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"Williams %R over {_n} bars, -100..0")
for _n in (20, 40):
    register(cci, name=f"ta_cci_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"commodity channel index over {_n} bars")
for _n in (14, 28):
    register(mfi, name=f"ta_mfi_{_n}", params={"window": _n}, lookback=_n,
             description=f"money flow index over {_n} bars, 0..100")
