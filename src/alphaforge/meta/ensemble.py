"""The ensemble layer: a base strategy's weights adjusted by out-of-sample meta probabilities.

Each trade the base strategy opens (:func:`~alphaforge.meta.signals.entry_signals`) carries
the meta-model's probability ``p`` that it succeeds, made out of sample. The whole trade, from
its entry bar to its last bar, is then

``filter``
    kept unchanged when ``p >= min_confidence``, else skipped (flat);
``size``
    scaled by :func:`bet_size` (0 below ``min_confidence``), so confident trades get larger
    positions than doubtful ones.

A trade without a probability (opened before the first out-of-sample prediction) is
skipped: the meta strategy never trades on a signal its model did not judge out of sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from alphaforge.errors import InputError

MODES = ("filter", "size")


def bet_size(probability: np.ndarray | pd.Series | float) -> np.ndarray:
    """Position size in [0, 1] from the probability ``p`` that a trade succeeds.

    The test statistic of "p differs from 1/2", z = (p - 1/2) / sqrt(p (1 - p)), mapped
    through the normal CDF: size = 2 Phi(z) - 1, floored at 0 (de Prado's bet sizing for a
    two-outcome bet). It is 0 at p = 0.5, grows fastest near 0.5 and tends to 1 as p -> 1,
    so a sure bet is a full position and a coin flip none.

    >>> bet_size(np.array([0.3, 0.5, 0.6, 0.9])).round(3).tolist()
    [0.0, 0.0, 0.162, 0.818]
    """
    p = np.clip(np.asarray(probability, dtype="float64"), 1e-9, 1 - 1e-9)
    z = (p - 0.5) / np.sqrt(p * (1.0 - p))
    return np.maximum(2.0 * norm.cdf(z) - 1.0, 0.0)


def trade_factors(probability: np.ndarray, *, mode: str, min_confidence: float) -> np.ndarray:
    """The multiplier of each trade's weights: 0/1 (``filter``) or a bet size (``size``); NaN p gives 0."""
    if mode not in MODES:
        raise InputError(f"unknown meta ensemble mode {mode!r}", where="--meta-ensemble-mode",
                         fix=f"use one of: {', '.join(MODES)}")
    if not 0.0 <= min_confidence <= 1.0:
        raise InputError(f"min_confidence={min_confidence} is not a probability", where="--meta-min-confidence",
                         fix="pass a value in [0, 1], e.g. 0.5")
    p = np.asarray(probability, dtype="float64")
    confident = np.nan_to_num(p, nan=-1.0) >= min_confidence
    if mode == "filter":
        return confident.astype("float64")
    return np.where(confident, bet_size(np.nan_to_num(p, nan=0.5)), 0.0)


def meta_weights(base: pd.DataFrame, signals: pd.DataFrame, probability: np.ndarray, *, mode: str = "filter",
                 min_confidence: float = 0.5) -> pd.DataFrame:
    """The base weights with every trade kept, resized or skipped by its meta probability.

    ``signals`` are ``entry_signals(base)`` (or a subset of its rows) and ``probability`` one
    value per signal row (NaN where none was made). Bars outside every listed trade are flat.

    >>> times = pd.date_range("2024-01-01", periods=5, freq="D", tz="UTC")
    >>> from alphaforge.meta.signals import entry_signals
    >>> base = pd.DataFrame({"A": [1.0, 1, 0, 1, 1]}, index=times)
    >>> meta_weights(base, entry_signals(base), np.array([0.4, 0.7]))["A"].tolist()
    [0.0, 0.0, 0.0, 1.0, 1.0]
    """
    factors = trade_factors(probability, mode=mode, min_confidence=min_confidence)
    if len(factors) != len(signals):
        raise InputError(f"{len(factors)} probabilities for {len(signals)} signals", where="meta_weights",
                         fix="pass one probability per signal row")
    n_bars, n_symbols = base.shape
    column = pd.Index(base.columns).astype(str).get_indexer(signals["symbol"].astype(str))
    if (column < 0).any():
        raise InputError("signals name symbols the weights lack", where="meta_weights",
                         fix="build the signals from the same weight frame")
    steps = np.zeros((n_bars + 1, n_symbols))  # +factor at entry, -factor after the trade's last bar
    np.add.at(steps, (signals["entry_bar"].to_numpy(), column), factors)
    np.add.at(steps, (signals["end_bar"].to_numpy() + 1, column), -factors)
    multiplier = np.cumsum(steps, axis=0)[:n_bars]
    values = np.nan_to_num(base.to_numpy(dtype="float64", na_value=np.nan), nan=0.0) * multiplier
    return pd.DataFrame(values, index=base.index, columns=base.columns)
