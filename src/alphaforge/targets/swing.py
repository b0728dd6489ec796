"""Swing-point targets: does price, bought (sold) at bar t's close, never go against the trade
within N bars while moving ``pct`` percent in its favour?

``y_will_swing_low_{n}_{pct}`` is 1 when no low of bars t+1 .. t+n goes below bar t's close
and some high of those bars reaches ``close_t * (1 + pct / 100)`` (``pct`` is in percent: 0.20
means 0.20 %). ``y_will_swing_high_{n}_{pct}`` mirrors it: no high of those bars goes above
the close and some low falls to ``close_t * (1 - pct / 100)``. Close-only data uses closes
for highs and lows. ``t1`` = bar t+n (the label is only settled once the window is over).

The reference is the close because it is the price a decision at t can trade. Bar t's own low
and high are already known at t: a swing measured from them is partly decided when the label
starts (a bar that closed far above its low is likely to stay above that low), so it scores
well above chance even on a pure random walk.
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
    """1 if price never trades below close_t in the next ``bars_ahead`` bars and rallies ``pct`` % above it."""
    return _swing(bars, bars_ahead, pct, side=1.0)


def will_swing_high(bars: pd.DataFrame, bars_ahead: int, pct: float) -> Labels:
    """1 if price never trades above close_t in the next ``bars_ahead`` bars and falls ``pct`` % below it."""
    return _swing(bars, bars_ahead, pct, side=-1.0)


def _swing(bars: pd.DataFrame, bars_ahead: int, pct: float, *, side: float) -> Labels:
    """The swing label of a long (``side`` +1: a swing low) or short (-1: a swing high) entry at the close."""
    against, favour = ("low", "high") if side > 0 else ("high", "low")

    def labeler(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        close = part["close"].to_numpy(dtype="float64")
        worst = forward_extreme(price_column(part, against), bars_ahead, largest=side < 0)
        best = forward_extreme(price_column(part, favour), bars_ahead, largest=side > 0)
        holds = side * (worst - close) >= 0
        reaches = side * (best - close * (1.0 + side * pct / 100.0)) >= 0
        return (holds & reaches).astype("float64"), horizon_positions(len(close), bars_ahead)

    return label_per_symbol(bars, labeler)
