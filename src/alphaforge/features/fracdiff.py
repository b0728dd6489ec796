"""Fractional differentiation (fixed-width window, "FFD"): stationary series that keep memory.

After López de Prado, *Advances in Financial Machine Learning*, ch. 5. Differencing a log
price once (d = 1) makes it stationary but forgets its level; d = 0 keeps the level and is not
stationary. A fractional d in between applies the binomial weights of (1 - B)^d::

    w_0 = 1,    w_k = -w_{k-1} (d - k + 1) / k

truncated before the first weight with |w_k| < threshold, so the window is fixed and finite:
the value at t is sum_k w_k log close_{t-k} over that window only, which makes it a causal
feature with an exact ``lookback`` (window - 1 rows).

Two parts live here, on purpose apart:

* the features ``px_ffd_d30``, ``px_ffd_d50``, ``px_ffd_d70`` (d = 0.3, 0.5, 0.7 at
  threshold :data:`FFD_THRESHOLD`: windows of 388, 200 and 97 bars), pure functions of the past;
* :func:`minimum_ffd_order`, the smallest d whose FFD series passes an augmented Dickey-Fuller
  test. That is a statistic of a whole sample, so it never runs inside a feature: it is a
  research tool (``alphaforge features fracdiff``) for choosing among the registered orders.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import lru_cache
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.features.registry import register
from alphaforge.features.windows import log_prices, weighted_window

FFD_THRESHOLD = 1e-4
"""Smallest |weight| kept: windows of 388 / 200 / 97 bars for d = 0.3 / 0.5 / 0.7."""
FFD_ORDERS = (0.3, 0.5, 0.7)
"""The orders registered as ``px_ffd_d{100 d}`` features."""
DEFAULT_GRID = tuple(round(0.1 * i, 1) for i in range(11))
"""Orders :func:`minimum_ffd_order` tries: 0.0, 0.1, ..., 1.0."""
ADF_P_VALUE = 0.05
"""Level below which the ADF test's p-value calls a series stationary."""
ADF_MIN_OBSERVATIONS = 50
"""Fewest FFD values an ADF test is run on; an order with fewer is reported untested."""


def ffd_weights(d: float, threshold: float = FFD_THRESHOLD) -> np.ndarray:
    """Weights of the fixed-width fractional difference of order ``d``, ``weights[k]`` on row t - k.

    The recursion w_0 = 1, w_k = -w_{k-1} (d - k + 1) / k, stopped before the first weight whose
    magnitude is below ``threshold``. An integer d ends exactly (d = 1 gives [1, -1]).

    >>> ffd_weights(0.5, threshold=0.05).tolist()
    [1.0, -0.5, -0.125, -0.0625]
    """
    if not (np.isfinite(d) and d >= 0):
        raise InputError(f"fractional order d={d!r} is not a number >= 0", where="ffd_weights",
                         fix="use an order such as 0.4 (0 keeps the series, 1 is the first difference)")
    if not 0 < threshold < 1:
        raise InputError(f"weight threshold {threshold!r} is outside (0, 1)", where="ffd_weights",
                         fix=f"use a small positive threshold such as {FFD_THRESHOLD:g}")
    weights = [1.0]
    k = 1
    while True:
        weight = -weights[-1] * (d - k + 1) / k
        if abs(weight) < threshold:
            return np.array(weights)
        weights.append(weight)
        k += 1


def fracdiff_log_close(close: np.ndarray, *, d: float, threshold: float) -> np.ndarray:
    """Fixed-width fractional difference of order ``d`` of log close: sum_k w_k log close_{t-k}
    over the weights above ``threshold`` (window len(ffd_weights(d, threshold)) bars, no lag)."""
    return weighted_window(log_prices(close), _feature_weights(d, threshold))


@lru_cache(maxsize=16)
def _feature_weights(d: float, threshold: float) -> np.ndarray:
    """:func:`ffd_weights`, read-only and made once per order rather than for every symbol (the
    recursion is a Python loop over up to a few hundred weights)."""
    weights = ffd_weights(d, threshold)
    weights.flags.writeable = False
    return weights


def ffd_feature_name(d: float) -> str:
    """Registered name of the FFD feature of order ``d``: 0.3 -> ``px_ffd_d30``."""
    return f"px_ffd_d{round(100 * d):02d}"


for _d in FFD_ORDERS:
    _window = len(ffd_weights(_d))
    register(fracdiff_log_close, name=ffd_feature_name(_d), params={"d": _d, "threshold": FFD_THRESHOLD},
             lookback=_window - 1,
             description=f"log close fractionally differenced, d={_d:g}, fixed window of {_window} bars "
                         f"(weights >= {FFD_THRESHOLD:g})")


@dataclass(frozen=True)
class AdfTest:
    """The augmented Dickey-Fuller test of one order's FFD series.

    ``statistic``, ``p_value`` and ``correlation`` (with log close: the memory kept) are NaN
    when the order was not tested (fewer than :data:`ADF_MIN_OBSERVATIONS` values, or a
    constant series).
    """

    d: float
    window: int
    observations: int
    statistic: float
    p_value: float
    correlation: float

    @property
    def tested(self) -> bool:
        """Whether the test ran on this order."""
        return bool(np.isfinite(self.p_value))

    def to_dict(self) -> dict[str, Any]:
        """JSON form (NaN as None)."""
        def number(value: float) -> float | None:
            return float(value) if np.isfinite(value) else None

        return {"d": self.d, "window": self.window, "observations": self.observations,
                "adf_statistic": number(self.statistic), "p_value": number(self.p_value),
                "correlation": number(self.correlation)}


@dataclass(frozen=True)
class FfdOrder:
    """The smallest order ``d`` in a grid whose FFD series passes the ADF test (None if none
    does), with the test of every order tried on the ``bars`` closes."""

    d: float | None
    bars: int
    tests: tuple[AdfTest, ...]
    p_value: float
    threshold: float

    def untested_below(self) -> list[float]:
        """Orders below the answer (all, when none passed) that could not be tested."""
        return [t.d for t in self.tests if not t.tested and (self.d is None or t.d < self.d)]

    def to_dict(self) -> dict[str, Any]:
        """JSON form, with the registered feature closest at or above ``d``."""
        return {"d": self.d, "feature": closest_ffd_feature(self.d), "bars": self.bars, "p_value": self.p_value,
                "threshold": self.threshold, "untested_below": self.untested_below(),
                "tests": [t.to_dict() for t in self.tests]}


def _adf(log_close: np.ndarray, d: float, threshold: float) -> AdfTest:
    """The ADF test (constant, one lag, as AFML ch. 5) of the FFD series of order ``d``."""
    from statsmodels.tsa.stattools import adfuller  # heavy; the feature path never needs it

    weights = ffd_weights(d, threshold)
    series = weighted_window(log_close, weights)
    valid = np.isfinite(series)
    values = series[valid]
    nan = float("nan")
    if len(values) < ADF_MIN_OBSERVATIONS or np.ptp(values) == 0:
        return AdfTest(d, len(weights), len(values), nan, nan, nan)
    with warnings.catch_warnings():  # statsmodels 0.15 warns that its result will become an object;
        warnings.simplefilter("ignore", FutureWarning)  # both forms index as (statistic, p-value, ...)
        result = adfuller(values, maxlag=1, regression="c", autolag=None)
    statistic, p = result[0], result[1]
    correlation = np.corrcoef(values, log_close[valid])[0, 1] if np.ptp(log_close[valid]) else nan
    return AdfTest(d, len(weights), len(values), float(statistic), float(p), float(correlation))


def minimum_ffd_order(close: np.ndarray | pd.Series, *, threshold: float = FFD_THRESHOLD, p_value: float = ADF_P_VALUE,
                      grid: Sequence[float] = DEFAULT_GRID) -> FfdOrder:
    """The smallest d in ``grid`` whose FFD of log ``close`` passes the ADF test at ``p_value``.

    ``close`` is one symbol's closes in time order. Each order's test (constant, one lag, no
    automatic lag search, as AFML ch. 5) is in ``tests``; ``d`` is None when no order passes.
    A statistic of the whole sample: use it to choose a feature, never inside one.

    >>> rng = np.random.default_rng(0)
    >>> walk = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 2000)))
    >>> order = minimum_ffd_order(walk, grid=[0.0, 1.0])
    >>> order.d, [t.p_value < 0.05 for t in order.tests]
    (1.0, [False, True])
    """
    values = np.asarray(close, dtype="float64")
    if values.ndim != 1 or not (np.isfinite(values).all() and (values > 0).all()):
        raise InputError("close must be one series of finite prices > 0", where="minimum_ffd_order",
                         fix="pass one symbol's closes in time order, without missing values")
    if not 0 < p_value < 1:
        raise InputError(f"p_value={p_value!r} is outside (0, 1)", where="minimum_ffd_order", fix="use e.g. 0.05")
    orders = sorted({float(d) for d in grid})
    if not orders:
        raise InputError("the grid of orders is empty", where="minimum_ffd_order", fix="pass e.g. [0.0, 0.1, ..., 1.0]")
    log_close = np.log(values)
    tests = tuple(_adf(log_close, d, threshold) for d in orders)
    passing = [t.d for t in tests if t.tested and t.p_value < p_value]
    return FfdOrder(passing[0] if passing else None, len(values), tests, p_value, threshold)


def minimum_ffd_orders(bars: pd.DataFrame, *, threshold: float = FFD_THRESHOLD, p_value: float = ADF_P_VALUE,
                       grid: Sequence[float] = DEFAULT_GRID) -> dict[str, FfdOrder]:
    """:func:`minimum_ffd_order` of each symbol's closes in canonical ``bars``, by symbol."""
    missing = [c for c in ("symbol", "timestamp", "close") if c not in bars.columns]
    if missing:
        raise InputError(f"bars lack column(s) {missing}", where="minimum_ffd_orders", fix="pass canonical bars")
    ordered = bars.sort_values(["symbol", "timestamp"], kind="stable")
    return {str(symbol): minimum_ffd_order(part["close"].to_numpy(), threshold=threshold, p_value=p_value, grid=grid)
            for symbol, part in ordered.groupby("symbol", sort=True, observed=True)}


def closest_ffd_feature(d: float | None) -> str | None:
    """The registered ``px_ffd_*`` feature of the smallest order at or above ``d`` (None if none)."""
    above = [order for order in FFD_ORDERS if d is not None and order >= d]
    return ffd_feature_name(min(above)) if above else None
