"""Forward returns over ``horizon`` bars: simple, log, and volatility-normalised.

``fwd_ret_{h}`` = close[t+h] / close[t] - 1 and ``t1`` = timestamp of bar t+h (the shared
naming convention). Horizons count bars, so a data gap lengthens ``t1 - t`` but not h.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.targets._core import (
    NO_POSITION,
    Labels,
    horizon_positions,
    label_per_symbol,
    rolling_volatility,
    shift_forward,
)


def forward_return(bars: pd.DataFrame, horizon: int) -> Labels:
    """Simple return from bar t's close to bar t+horizon's close."""
    def labeler(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        close = part["close"].to_numpy(dtype="float64")
        return shift_forward(close, horizon) / close - 1.0, horizon_positions(len(close), horizon)

    return label_per_symbol(bars, labeler)


def forward_log_return(bars: pd.DataFrame, horizon: int) -> Labels:
    """Log return ``log(close[t+h] / close[t])``."""
    def labeler(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        log_close = np.log(part["close"].to_numpy(dtype="float64"))
        return shift_forward(log_close, horizon) - log_close, horizon_positions(len(log_close), horizon)

    return label_per_symbol(bars, labeler)


def forward_volatility_return(bars: pd.DataFrame, horizon: int, vol_window: int) -> Labels:
    """Forward log return divided by the horizon's expected volatility, sigma_t * sqrt(h).

    sigma_t is the standard deviation (ddof=1) of the ``vol_window`` one-bar log returns up to
    and including bar t, so it is known at t. No label where sigma is unknown (warm-up) or zero
    (flat prices).
    """
    def labeler(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        close = part["close"].to_numpy(dtype="float64")
        log_close = np.log(close)
        scale = rolling_volatility(close, vol_window) * np.sqrt(horizon)
        positions = horizon_positions(len(close), horizon)
        usable = np.isfinite(scale) & (scale > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = (shift_forward(log_close, horizon) - log_close) / scale
        return values, np.where(usable, positions, NO_POSITION)

    return label_per_symbol(bars, labeler)
