"""Trend indicators: MACD line/signal/histogram and the directional movement system (ADX, ±DI).

Both are built on exponential smoothing, computed here as truncated EMAs (finite memory, so
training and prediction values are bit-identical; see :mod:`alphaforge.features.windows`).
MACD is divided by the close so that it compares across symbols and price levels.
"""

from __future__ import annotations

import numpy as np

from alphaforge.features._memo import shared
from alphaforge.features.registry import register
from alphaforge.features.windows import (
    ema,
    ema_lookback,
    ema_sum,
    lag,
    percent,
    safe_divide,
    span_alpha,
    wilder_alpha,
    with_lagged,
)


@shared
def _macd(close: np.ndarray, fast: int, slow: int) -> np.ndarray:
    """Fast EMA minus slow EMA of close, in price units."""
    return ema(close, span_alpha(fast)) - ema(close, span_alpha(slow))


@shared
def _macd_signal(close: np.ndarray, fast: int, slow: int, signal: int) -> np.ndarray:
    """EMA of the MACD line, in price units."""
    return ema(_macd(close, fast, slow), span_alpha(signal))


def macd_line(close: np.ndarray, *, fast: int, slow: int) -> np.ndarray:
    """MACD line (fast EMA minus slow EMA of close) over close."""
    return _macd(close, fast, slow) / close


def macd_signal(close: np.ndarray, *, fast: int, slow: int, signal: int) -> np.ndarray:
    """MACD signal line (EMA of the MACD line) over close."""
    return _macd_signal(close, fast, slow, signal) / close


def macd_hist(close: np.ndarray, *, fast: int, slow: int, signal: int) -> np.ndarray:
    """MACD histogram (line minus signal) over close."""
    return (_macd(close, fast, slow) - _macd_signal(close, fast, slow, signal)) / close


@shared
def _directional_movement(high: np.ndarray, low: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """+DM and -DM: the larger of the rise in high and the fall in low, where positive (NaN on the
    first row); the same for every window, so computed once for all of them."""
    up = with_lagged(np.subtract, high, high, 1)
    down = lag(low, 1) - low
    plus_dm = up * ((up > down) & (up > 0))  # NaN × 0 keeps the first row's NaN
    minus_dm = down * ((down > up) & (down > 0))
    return plus_dm, minus_dm


@shared
def smoothed_true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: int) -> np.ndarray:
    """:func:`~alphaforge.features.windows.ema_sum` of the true range at Wilder's ``window``: the
    directional system divides by it and the ATR (its normalised form) reads it too."""
    return ema_sum(true_range(high, low, close), wilder_alpha(window))


@shared
def _directional(high: np.ndarray, low: np.ndarray, close: np.ndarray,
                 window: int) -> tuple[np.ndarray, np.ndarray]:
    """+DI and -DI, 0..100: Wilder-smoothed directional movement over Wilder-smoothed true range."""
    plus_dm, minus_dm = _directional_movement(high, low)
    alpha = wilder_alpha(window)  # ratios of smoothed sums: the EMA normalisation cancels
    range_ = smoothed_true_range(high, low, close, window)
    return (percent(safe_divide(ema_sum(plus_dm, alpha), range_)),
            percent(safe_divide(ema_sum(minus_dm, alpha), range_)))


@shared
def true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """max(high - low, |high - previous close|, |low - previous close|); NaN on the first row."""
    rise = np.abs(with_lagged(np.subtract, high, close, 1))  # high - previous close
    fall = np.abs(with_lagged(np.subtract, low, close, 1))
    return np.maximum(high - low, np.maximum(rise, fall))


def plus_di(high: np.ndarray, low: np.ndarray, close: np.ndarray, *, window: int) -> np.ndarray:
    """+DI, 0..100, Wilder smoothing over ``window`` bars."""
    return _directional(high, low, close, window)[0]


def minus_di(high: np.ndarray, low: np.ndarray, close: np.ndarray, *, window: int) -> np.ndarray:
    """-DI, 0..100, Wilder smoothing over ``window`` bars."""
    return _directional(high, low, close, window)[1]


def adx(high: np.ndarray, low: np.ndarray, close: np.ndarray, *, window: int) -> np.ndarray:
    """Average directional index, 0..100: Wilder-smoothed |+DI - -DI| / (+DI + -DI)."""
    plus, minus = _directional(high, low, close, window)
    return ema(percent(safe_divide(np.abs(plus - minus), plus + minus)), wilder_alpha(window))


_MACD = {"fast": 12, "slow": 26}
_LINE_LOOKBACK = ema_lookback(span_alpha(26))
_SIGNAL_LOOKBACK = _LINE_LOOKBACK + ema_lookback(span_alpha(9))
register(macd_line, name="ta_macd_line", params=_MACD, lookback=_LINE_LOOKBACK,
         description="MACD line (EMA 12 - EMA 26 of close) / close")
register(macd_signal, name="ta_macd_signal", params={**_MACD, "signal": 9}, lookback=_SIGNAL_LOOKBACK,
         description="MACD signal (EMA 9 of the MACD line) / close")
register(macd_hist, name="ta_macd_hist", params={**_MACD, "signal": 9}, lookback=_SIGNAL_LOOKBACK,
         description="MACD histogram (line - signal) / close")
for _n in (14, 28):
    _di_lookback = 1 + ema_lookback(wilder_alpha(_n))
    register(adx, name=f"ta_adx_{_n}", params={"window": _n}, lookback=_di_lookback + ema_lookback(wilder_alpha(_n)),
             description=f"average directional index, Wilder smoothing over {_n} bars, 0..100")
    register(plus_di, name=f"ta_plus_di_{_n}", params={"window": _n}, lookback=_di_lookback,
             description=f"+DI, Wilder smoothing over {_n} bars, 0..100")
    register(minus_di, name=f"ta_minus_di_{_n}", params={"window": _n}, lookback=_di_lookback,
             description=f"-DI, Wilder smoothing over {_n} bars, 0..100")
