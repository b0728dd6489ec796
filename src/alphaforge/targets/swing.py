"""Swing-point targets: will bar t turn out to be a swing low (high) within N bars?

``y_will_swing_low_{n}_{pct}`` is 1 when bar t's low is not undercut by any low of bars
t+1 .. t+n and some high of those bars is at least ``pct`` percent above it
(``pct`` is in percent: 0.20 means 0.20 %). ``y_will_swing_high_{n}_{pct}`` mirrors it: bar t's
high is not exceeded and some low falls ``pct`` percent below it. Close-only data uses closes
for highs and lows. ``t1`` = bar t+n (the label is only settled once the window is over).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.targets._core import (
    Labels,
    forward_extreme,
    horizon_positions,
    label_per_symbol,
    price_column,
)


def will_swing_low(bars: pd.DataFrame, bars_ahead: int, pct: float) -> Labels:
    """1 if bar t is a swing low that price rallies ``pct`` % from within ``bars_ahead`` bars."""
    def labeler(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        low, high = price_column(part, "low"), price_column(part, "high")
        holds = low <= forward_extreme(low, bars_ahead, largest=False)
        rallies = forward_extreme(high, bars_ahead, largest=True) >= low * (1.0 + pct / 100.0)
        return (holds & rallies).astype("float64"), horizon_positions(len(low), bars_ahead)

    return label_per_symbol(bars, labeler)


def will_swing_high(bars: pd.DataFrame, bars_ahead: int, pct: float) -> Labels:
    """1 if bar t is a swing high that price falls ``pct`` % from within ``bars_ahead`` bars."""
    def labeler(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        low, high = price_column(part, "low"), price_column(part, "high")
        holds = high >= forward_extreme(high, bars_ahead, largest=True)
        falls = forward_extreme(low, bars_ahead, largest=False) <= high * (1.0 - pct / 100.0)
        return (holds & falls).astype("float64"), horizon_positions(len(high), bars_ahead)

    return label_per_symbol(bars, labeler)
