"""Trend baseline: long while the fast EMA of the close is above the slow one."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from alphaforge.backtest._checks import check_number
from alphaforge.backtest.strategies.base import Strategy, check_direction, filled_prices
from alphaforge.errors import InputError
from alphaforge.predict.signals import restrict_sides


def exponential_average(values: np.ndarray, span: int) -> np.ndarray:
    """Recursive EMA down each column, alpha = 2 / (span + 1), started at the first row's value
    (pandas ``ewm(span, adjust=False)``)."""
    alpha = 2.0 / (span + 1.0)
    initial = (1.0 - alpha) * values[:1]
    smoothed, _ = lfilter([alpha], [1.0, alpha - 1.0], values, axis=0, zi=initial)
    return smoothed


class TrendBaseline(Strategy):
    """EMA crossover: +1 while EMA(fast) > EMA(slow), -1 while below (when shorts are allowed).

    Flat for the first ``slow`` bars of each symbol (the averages are still settling).

    >>> close = pd.DataFrame({"A": [1.0, 2, 3, 4, 3, 2, 1]}, index=pd.RangeIndex(7))
    >>> TrendBaseline(fast=1, slow=2).target_weights(close)["A"].tolist()
    [nan, nan, 1.0, 1.0, 0.0, 0.0, 0.0]
    """

    name = "trend_baseline"

    def __init__(self, fast: int = 20, slow: int = 50, direction: str = "long_only") -> None:
        check_number(fast, "fast", low=1, integer=True)
        check_number(slow, "slow", low=2, integer=True)
        if fast >= slow:
            raise InputError(f"fast={fast} is not shorter than slow={slow}", where="fast",
                             fix="pass fast < slow, e.g. fast=20, slow=50")
        self.fast, self.slow, self.direction = int(fast), int(slow), check_direction(direction)

    def target_weights(self, close: pd.DataFrame) -> pd.DataFrame:
        prices, seen = filled_prices(close)
        side = np.sign(exponential_average(prices, self.fast) - exponential_average(prices, self.slow))
        weights = np.where(seen > self.slow, restrict_sides(side, self.direction), np.nan)
        return pd.DataFrame(weights, index=close.index, columns=close.columns)
