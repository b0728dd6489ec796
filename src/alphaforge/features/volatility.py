"""Volatility: normalized ATR, Bollinger %b and width, realized, Parkinson and Garman–Klass
volatility, rolling skew and kurtosis of log returns.

Volatilities are per bar (not annualised): the bar interval is the data's, and a model
compares like with like.
"""

from __future__ import annotations

import math

import numpy as np

from alphaforge.features._memo import shared
from alphaforge.features.registry import register
from alphaforge.features.trend import smoothed_true_range
from alphaforge.features.windows import (
    ema_lookback,
    ema_normalised,
    log_returns,
    rolling_mean,
    rolling_mean_std,
    rolling_sum,
    safe_divide,
    wilder_alpha,
)


def natr(high: np.ndarray, low: np.ndarray, close: np.ndarray, *, window: int) -> np.ndarray:
    """Average true range (Wilder smoothing) over close."""
    return ema_normalised(smoothed_true_range(high, low, close, window), wilder_alpha(window)) / close


@shared
def _bollinger(close: np.ndarray, window: int, width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Middle band (SMA), its distance between the bands (upper - lower) and the lower band, the
    bands ``width`` population standard deviations either side of the middle."""
    middle, std = rolling_mean_std(close, window)
    half = np.multiply(std, width, out=std)
    lower = middle - half
    return middle, (middle + half) - lower, lower


def bollinger_pctb(close: np.ndarray, *, window: int, width: float) -> np.ndarray:
    """Bollinger %b: where close sits between the lower (0) and upper (1) band."""
    _, spread, lower = _bollinger(close, window, width)
    return safe_divide(close - lower, spread)


def bollinger_width(close: np.ndarray, *, window: int, width: float) -> np.ndarray:
    """Bollinger band width: (upper - lower) / middle."""
    middle, spread, _ = _bollinger(close, window, width)
    return safe_divide(spread, middle)


@shared
def _return_powers(close: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Log returns and their square, cube and fourth power, which the realized volatility and the
    moments read at every window."""
    r = log_returns(close)
    r2 = r * r
    return r, r2, r2 * r, r2 * r2


@shared
def _realized_vol(close: np.ndarray, window: int) -> np.ndarray:
    """Root mean square of the last ``window`` log returns (its own feature and the ratio's parts)."""
    return np.sqrt(rolling_mean(_return_powers(close)[1], window))


def realized_vol(close: np.ndarray, *, window: int) -> np.ndarray:
    """Realized volatility: root mean square of the last ``window`` log returns."""
    return _realized_vol(close, window)


@shared
def _log_range(high: np.ndarray, low: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each bar's ln(high / low) and its square: logarithms cost most of these features, and
    Parkinson and Garman–Klass volatility read them at every window."""
    range_ = np.log(high / low)
    return range_, range_ * range_


@shared
def _garman_klass_terms(open: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """Each bar's Garman–Klass variance, 0.5 ln(H/L)² - (2 ln 2 - 1) ln(C/O)², averaged at every window."""
    range_ = _log_range(high, low)[0]
    body = np.log(close / open)
    return 0.5 * range_ * range_ - (2.0 * math.log(2.0) - 1.0) * body * body


def parkinson_vol(high: np.ndarray, low: np.ndarray, *, window: int) -> np.ndarray:
    """Parkinson volatility from the high-low range over ``window`` bars."""
    return np.sqrt(rolling_mean(_log_range(high, low)[1], window) / (4.0 * math.log(2.0)))


def garman_klass_vol(open: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray, *,
                     window: int) -> np.ndarray:
    """Garman–Klass volatility from open, high, low and close over ``window`` bars."""
    variance = rolling_mean(_garman_klass_terms(open, high, low, close), window)
    return np.sqrt(np.maximum(variance, 0.0))


@shared
def _central_moments(close: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Second, third and fourth central moments of the last ``window`` log returns."""
    r, r2, r3, r4 = _return_powers(close)
    m1, m2 = rolling_sum(r, window) / window, rolling_sum(r2, window) / window
    m3, m4 = rolling_sum(r3, window) / window, rolling_sum(r4, window) / window
    m1_squared = m1 * m1
    mu2 = m2 - m1_squared
    mu3 = m3 - 3.0 * m1 * m2 + 2.0 * m1_squared * m1
    mu4 = m4 - 4.0 * m1 * m3 + 6.0 * m1_squared * m2 - 3.0 * m1_squared * m1_squared
    return np.where(mu2 > 0.0, mu2, np.nan), mu3, mu4


def return_skew(close: np.ndarray, *, window: int) -> np.ndarray:
    """Skewness of the last ``window`` log returns."""
    mu2, mu3, _ = _central_moments(close, window)
    return mu3 / (mu2 * np.sqrt(mu2))


def return_kurtosis(close: np.ndarray, *, window: int) -> np.ndarray:
    """Excess kurtosis of the last ``window`` log returns."""
    mu2, _, mu4 = _central_moments(close, window)
    return mu4 / (mu2 * mu2) - 3.0


def volatility_ratio(close: np.ndarray, *, short: int, long: int) -> np.ndarray:
    """Short-horizon realized volatility over long-horizon realized volatility."""
    return safe_divide(_realized_vol(close, short), _realized_vol(close, long))


for _n in (14, 28):
    register(natr, name=f"ta_natr_{_n}", params={"window": _n}, lookback=1 + ema_lookback(wilder_alpha(_n)),
             description=f"average true range (Wilder, {_n} bars) / close")
for _n in (20, 50):
    _params = {"window": _n, "width": 2.0}
    register(bollinger_pctb, name=f"ta_bb_pctb_{_n}", params=_params, lookback=_n - 1,
             description=f"Bollinger %b, SMA {_n} ± 2 standard deviations")
    register(bollinger_width, name=f"ta_bb_width_{_n}", params=_params, lookback=_n - 1,
             description=f"Bollinger band width / middle, SMA {_n} ± 2 standard deviations")
for _n in (12, 24, 72, 168, 252):
    register(realized_vol, name=f"px_rvol_{_n}", params={"window": _n}, lookback=_n,
             description=f"realized volatility of log returns over {_n} bars (per bar)")
for _n in (24, 168):
    register(parkinson_vol, name=f"px_parkinson_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"Parkinson high-low volatility over {_n} bars (per bar)")
    register(garman_klass_vol, name=f"px_gk_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"Garman-Klass OHLC volatility over {_n} bars (per bar)")
for _n in (72, 168):
    register(return_skew, name=f"px_skew_{_n}", params={"window": _n}, lookback=_n,
             description=f"skewness of log returns over {_n} bars")
    register(return_kurtosis, name=f"px_kurt_{_n}", params={"window": _n}, lookback=_n,
             description=f"excess kurtosis of log returns over {_n} bars")
register(volatility_ratio, name="px_rvol_ratio_24_168", params={"short": 24, "long": 168}, lookback=168,
         description="realized volatility over 24 bars / over 168 bars")
