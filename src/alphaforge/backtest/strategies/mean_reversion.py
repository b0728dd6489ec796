"""Mean reversion: buy when RSI says oversold, sell it when RSI is back at its middle.

RSI is the feature library's (:func:`alphaforge.features.momentum.rsi`, Wilder smoothing),
so the strategy and a model trained on ``ta_rsi_*`` read the same values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.backtest._checks import check_number
from alphaforge.backtest.strategies.base import Strategy, check_direction, filled_prices
from alphaforge.errors import InputError
from alphaforge.features.momentum import rsi
from alphaforge.predict.signals import restrict_sides


def _last(condition: np.ndarray) -> np.ndarray:
    """Row index of the latest True at or above each row, per column (-1 before the first)."""
    rows = np.arange(condition.shape[0])[:, None]
    return np.maximum.accumulate(np.where(condition, rows, -1), axis=0)


class MeanReversion(Strategy):
    """RSI thresholds: long from RSI < ``lower`` until RSI >= ``exit``; short (when allowed)
    from RSI > ``upper`` until RSI <= ``exit``. Flat while RSI is undefined.

    The position is a state, vectorised: long at t when the latest oversold bar comes after
    the latest bar with RSI >= ``exit`` (and symmetrically for shorts). An overbought bar
    also has RSI >= ``exit``, so it closes a long; long and short exclude each other.
    """

    name = "mean_reversion"

    def __init__(self, window: int = 14, lower: float = 30.0, upper: float = 70.0, exit: float = 50.0,
                 direction: str = "long_only") -> None:
        check_number(window, "window", low=2, integer=True)
        for name, value in (("lower", lower), ("upper", upper), ("exit", exit)):
            check_number(value, name, low=0.0, high=100.0)
        if not lower < exit < upper:
            raise InputError(f"thresholds lower={lower}, exit={exit}, upper={upper} are not increasing",
                             where="lower/exit/upper", fix="pass lower < exit < upper, e.g. 30 < 50 < 70")
        self.window, self.lower, self.upper, self.exit = int(window), float(lower), float(upper), float(exit)
        self.direction = check_direction(direction)

    def indicator(self, close: pd.DataFrame) -> np.ndarray:
        """RSI per column (bars x symbols), NaN before each symbol's first price and during warm-up."""
        prices, seen = filled_prices(close)
        values = np.column_stack([rsi(prices[:, j], window=self.window) for j in range(prices.shape[1])])
        return np.where(seen > 0, values, np.nan)

    def target_weights(self, close: pd.DataFrame) -> pd.DataFrame:
        strength = self.indicator(close)
        with np.errstate(invalid="ignore"):
            long = _last(strength < self.lower) > _last(strength >= self.exit)
            short = _last(strength > self.upper) > _last(strength <= self.exit)
        side = restrict_sides(long.astype("float64") - short, self.direction)
        weights = np.where(np.isnan(strength), np.nan, side)
        return pd.DataFrame(weights, index=close.index, columns=close.columns)
