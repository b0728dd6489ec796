"""Volume: on-balance-volume slope, volume ratio and z-score, dollar volume.

Volume scales differ by orders of magnitude between symbols, so every feature here is a
ratio, a z-score of log volume, or a logarithm.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from alphaforge.features._memo import shared
from alphaforge.features.registry import register
from alphaforge.features.windows import rolling_mean, rolling_mean_std, safe_divide, weighted_window, with_lagged


@lru_cache(maxsize=32)
def _obv_slope_weights(window: int) -> np.ndarray:
    """Weights on the last ``window - 1`` signed volumes giving the least-squares slope of OBV.

    The slope of a line fitted to OBV over ``window`` points does not depend on OBV's level, so
    it is a fixed linear combination of the signed volumes inside the window: the one that
    enters OBV at position p carries the sum of the centred x positions from p to the end.
    """
    centred = np.arange(window) - (window - 1) / 2.0
    tail_sums = np.cumsum(centred[::-1])[::-1] / np.sum(centred * centred)
    weights = tail_sums[1:][::-1].copy()  # weights[j] applies to the signed volume j rows before t
    weights.flags.writeable = False
    return weights


def obv_slope(close: np.ndarray, volume: np.ndarray, *, window: int) -> np.ndarray:
    """Least-squares slope of on-balance volume over ``window`` bars, in units of mean volume."""
    signed = np.sign(with_lagged(np.subtract, close, close, 1))
    signed *= volume
    slope = weighted_window(signed, _obv_slope_weights(window))
    return safe_divide(slope, rolling_mean(volume, window))


def volume_ratio(volume: np.ndarray, *, window: int) -> np.ndarray:
    """This bar's volume over the mean volume of the last ``window`` bars."""
    return safe_divide(volume, rolling_mean(volume, window))


@shared
def _log_volume(volume: np.ndarray) -> np.ndarray:
    """log(1 + volume), which the z-score reads at every window."""
    return np.log1p(volume)


def volume_zscore(volume: np.ndarray, *, window: int) -> np.ndarray:
    """z-score of log(1 + volume) within the last ``window`` bars."""
    log_volume = _log_volume(volume)
    mean, std = rolling_mean_std(log_volume, window)
    return safe_divide(log_volume - mean, std)


def dollar_volume(close: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """log(1 + close × volume) of this bar."""
    return np.log1p(close * volume)


def mean_dollar_volume(close: np.ndarray, volume: np.ndarray, *, window: int) -> np.ndarray:
    """log(1 + mean close × volume over the last ``window`` bars)."""
    return np.log1p(rolling_mean(close * volume, window))


for _n in (20, 50):
    register(obv_slope, name=f"ta_obv_slope_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"slope of on-balance volume over {_n} bars / mean volume")
for _n in (6, 24, 168):
    register(volume_ratio, name=f"vol_ratio_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"volume / mean volume over {_n} bars")
for _n in (24, 168):
    register(volume_zscore, name=f"vol_z_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"z-score of log volume within {_n} bars")
    register(mean_dollar_volume, name=f"vol_dollar_mean_{_n}", params={"window": _n}, lookback=_n - 1,
             description=f"log of mean dollar volume over {_n} bars")
register(dollar_volume, name="vol_dollar", lookback=0, description="log of this bar's dollar volume")
