"""Cross-sectional features: a per-symbol base feature compared across symbols at each timestamp.

The value at (s, t) reads the base feature of every symbol at the same t, never another
time, so it is as causal as its base. It is relative to the symbols passed in: compute
prediction features for the same universe the model was trained on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.features.registry import REGISTRY, register


def rank_across_symbols(values: np.ndarray, timestamp: np.ndarray) -> np.ndarray:
    """Rank of each value among the symbols at its timestamp, scaled to 0..1 (ties averaged).

    NaN where fewer than two symbols have a value at that timestamp.
    """
    series = pd.Series(values)
    groups = series.groupby(timestamp, sort=False)
    ranks = groups.rank(method="average").to_numpy()
    counts = groups.transform("count").to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = (ranks - 1.0) / (counts - 1.0)
    return np.where(counts >= 2, scaled, np.nan)


def demean_across_symbols(values: np.ndarray, timestamp: np.ndarray) -> np.ndarray:
    """Value minus the mean over the symbols at its timestamp; NaN with fewer than two symbols."""
    groups = pd.Series(values).groupby(timestamp, sort=False)
    counts = groups.transform("count").to_numpy(dtype=float)
    return np.where(counts >= 2, values - groups.transform("mean").to_numpy(), np.nan)


_RANKED = {
    "xs_rank_ret_1": "px_ret_1",
    "xs_rank_ret_24": "px_ret_24",
    "xs_rank_ret_168": "px_ret_168",
    "xs_rank_rvol_24": "px_rvol_24",
    "xs_rank_rvol_168": "px_rvol_168",
    "xs_rank_vol_ratio_24": "vol_ratio_24",
    "xs_rank_dollar_mean_24": "vol_dollar_mean_24",
}
for _name, _base in _RANKED.items():
    register(rank_across_symbols, name=_name, kind="cross_sectional", base=_base,
             lookback=REGISTRY.get(_base).lookback,
             description=f"rank of {_base} across symbols at the same timestamp, 0..1")
register(demean_across_symbols, name="xs_demean_ret_24", kind="cross_sectional", base="px_ret_24",
         lookback=REGISTRY.get("px_ret_24").lookback,
         description="px_ret_24 minus its mean across symbols at the same timestamp")
