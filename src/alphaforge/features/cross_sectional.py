"""Cross-sectional features: a per-symbol base feature compared across symbols at each timestamp.

The value at (s, t) reads the base feature of every symbol at the same t, never another
time, so it is as causal as its base. It is relative to the symbols passed in: compute
prediction features for the same universe the model was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alphaforge.features.registry import REGISTRY, register


@dataclass(frozen=True)
class _Sorted:
    """Values sorted by (timestamp, value), NaN last within a timestamp, with group bookkeeping."""

    order: np.ndarray
    values: np.ndarray
    group: np.ndarray
    position: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray, timestamp: np.ndarray) -> _Sorted:
        order = np.lexsort((values, timestamp))
        stamps = timestamp[order]
        new_group = np.empty(len(order), dtype=bool)
        new_group[:1] = True
        new_group[1:] = stamps[1:] != stamps[:-1]
        group = np.cumsum(new_group) - 1
        position = np.arange(len(order)) - np.flatnonzero(new_group)[group]
        sorted_values = values[order]
        counts = np.bincount(group, weights=~np.isnan(sorted_values))
        return cls(order, sorted_values, group, position, counts)

    def scatter(self, sorted_result: np.ndarray) -> np.ndarray:
        """Put per-sorted-row results back in input order; NaN where fewer than two symbols."""
        enough = (self.counts[self.group] >= 2) & ~np.isnan(self.values)
        out = np.empty(len(self.order))
        out[self.order] = np.where(enough, sorted_result, np.nan)
        return out


def rank_across_symbols(values: np.ndarray, timestamp: np.ndarray) -> np.ndarray:
    """Rank of each value among the symbols at its timestamp, scaled to 0..1 (ties averaged).

    NaN where fewer than two symbols have a value at that timestamp.
    """
    s = _Sorted.of(values, timestamp)
    n = len(s.values)
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (s.group[1:] != s.group[:-1]) | (s.values[1:] != s.values[:-1])
    run_first = np.flatnonzero(new_run)
    run_last = np.append(run_first[1:], n) - 1
    run = np.cumsum(new_run) - 1
    mean_position = (s.position[run_first] + s.position[run_last])[run] / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return s.scatter(mean_position / (s.counts[s.group] - 1.0))


def demean_across_symbols(values: np.ndarray, timestamp: np.ndarray) -> np.ndarray:
    """Value minus the mean over the symbols at its timestamp; NaN with fewer than two symbols."""
    s = _Sorted.of(values, timestamp)
    known = np.where(np.isnan(s.values), 0.0, s.values)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.bincount(s.group, weights=known) / s.counts
    return s.scatter(s.values - means[s.group])


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
