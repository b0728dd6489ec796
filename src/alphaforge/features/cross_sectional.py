"""Cross-sectional features: a per-symbol base feature compared across symbols at each timestamp.

The value at (s, t) reads the base feature of every symbol at the same t, never another
time, so it is as causal as its base. It is relative to the symbols passed in: compute
prediction features for the same universe the model was trained on.

A cross-sectional function takes the base values (one per row) and the :class:`Grid` that
places each row at a (timestamp, symbol) cell, and returns one value per row.
"""

from __future__ import annotations

import numpy as np

from alphaforge.features import returns, volatility, volume  # noqa: F401  (registers the base features)
from alphaforge.features._grid import Grid
from alphaforge.features.registry import REGISTRY, Feature, make_feature, register


COUNTING_MAX_SYMBOLS = 48
"""Up to this many symbols ranks are counted (each symbol's values against every other's, a
pass along time per pair); beyond it, where that grows with the square of the symbols, each
timestamp's values are sorted. Both give the same ranks, bit for bit (a test compares them)."""
COUNTING_MIN_TIMES_PER_SYMBOL = 50
"""Counting also needs this many timestamps per symbol: each pair's pass costs numpy calls
whatever its length, and on a short table (prediction's last few hundred bars: 21 symbols x 256
bars, 0.8 ms counted, 0.3 ms sorted) sorting is cheaper."""


def _enough(table: np.ndarray, axis: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Per timestamp, the number of symbols with a value, and where a result is defined (≥ 2 of
    them); ``axis`` is the table's symbol axis."""
    known = ~np.isnan(table)
    counts = known.sum(axis=axis, keepdims=True)
    return counts, known & (counts >= 2)


def _scaled(ranks: np.ndarray, table: np.ndarray, axis: int) -> np.ndarray:
    """Ranks (0 for the lowest; a fresh array, scaled in place) over the symbols at that
    timestamp less one, NaN where undefined."""
    counts, defined = _enough(table, axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        ranks /= counts - 1.0
    np.copyto(ranks, np.nan, where=~defined)
    return ranks


def ranks_by_counting(by_symbol: np.ndarray) -> np.ndarray:
    """Average ranks (0-based, ties averaged) in a symbols × timestamps table, from counts: a
    value's tie group spans positions ``less`` to ``less + equal - 1``, and their mean is
    ``(2 less + equal - 1) / 2`` with ``2 less + equal`` the count of other values below it
    plus the count at or below it. Entries that are NaN get meaningless ranks (masked later).

    Each pair of symbols is compared once: what symbol ``j`` counts against an earlier ``i``
    is 2 less what ``i`` counts against ``j`` (``x_i < x_j`` is ``not x_j <= x_i``), unless
    ``x_i`` is NaN, where it counts 0 (the NaN before ``j`` are counted and taken off). Symbol
    ``j`` is compared with all earlier symbols in one call (a few calls a symbol, not a few a
    pair: a validation round's 6 700 timestamps of 20 symbols took 1.3-1.6 ms, now 0.95). The
    counts are uint8, exact modulo 256, and never above ``2 * COUNTING_MAX_SYMBOLS``."""
    n_symbols, n_times = by_symbol.shape
    doubled = np.zeros((n_symbols, n_times), dtype=np.uint8)
    less, at_most = (np.empty((n_symbols, n_times), dtype=bool) for _ in range(2))
    below = np.empty((n_symbols, n_times), dtype=np.uint8)  # uint8: adds need no cast
    nan_before = np.zeros(n_times, dtype=np.uint8)
    for j, values in enumerate(by_symbol):
        row = doubled[j]
        row += 2 * j + 1  # each earlier symbol's 2 (adjusted below) and the value itself (1)
        row -= nan_before
        row -= nan_before
        if j:
            np.less(values, by_symbol[:j], out=less[:j])
            np.less_equal(values, by_symbol[:j], out=at_most[:j])
            np.add(less[:j].view(np.uint8), at_most[:j].view(np.uint8), out=below[:j])  # what i counts against j ...
            doubled[:j] += below[:j]
            row -= below[:j].sum(axis=0, dtype=np.uint8)  # ... and j against i: 2 minus it
        nan_before += np.isnan(values)
    ranks = np.subtract(doubled, 1.0)
    ranks /= 2.0
    return ranks


def _ranks_by_sorting(table: np.ndarray) -> np.ndarray:
    """Average ranks (0-based, ties averaged) in a timestamps × symbols table, from a sort of
    each timestamp's values (NaN sorts last; their ranks are meaningless, masked later)."""
    order = np.argsort(table, axis=1, kind="stable")
    ordered = np.take_along_axis(table, order, axis=1)
    position = np.broadcast_to(np.arange(table.shape[1]), table.shape)
    starts = np.ones(table.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    ends = np.ones(table.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, position, table.shape[1])[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty(table.shape)
    np.put_along_axis(ranks, order, (first + last) / 2.0, axis=1)
    return ranks


def rank_across_symbols(values: np.ndarray, grid: Grid) -> np.ndarray:
    """Rank of each value among the symbols at its timestamp, scaled to 0..1 (ties averaged).

    NaN where fewer than two symbols have a value at that timestamp.
    """
    if counting_pays(grid.shape[1], grid.shape[0]):
        by_symbol = grid.by_symbol(values)
        return grid.rows_by_symbol(_scaled(ranks_by_counting(by_symbol), by_symbol, axis=0))
    return grid.rows(rank_table(values, grid))


def counting_pays(n_symbols: int, n_times: int) -> bool:
    """Whether :func:`ranks_by_counting` beats a sort for ranking ``n_symbols`` at ``n_times``."""
    return 2 <= n_symbols <= COUNTING_MAX_SYMBOLS and n_times >= COUNTING_MIN_TIMES_PER_SYMBOL * n_symbols


def rank_table(values: np.ndarray, grid: Grid) -> np.ndarray:
    """:func:`rank_across_symbols` as the timestamps × symbols table (C order), without reading
    it back one value per row: what a per-timestamp score (the rank IC) works on."""
    if counting_pays(grid.shape[1], grid.shape[0]):
        by_symbol = grid.by_symbol(values)
        return np.ascontiguousarray(_scaled(ranks_by_counting(by_symbol), by_symbol, axis=0).T)
    table = grid.table(values)
    return _scaled(_ranks_by_sorting(table), table, axis=1)


def demean_across_symbols(values: np.ndarray, grid: Grid) -> np.ndarray:
    """Value minus the mean over the symbols at its timestamp; NaN with fewer than two symbols."""
    table = grid.table(values)
    counts, defined = _enough(table)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(np.isnan(table), 0.0, table).sum(axis=1, keepdims=True) / counts
    return grid.rows(np.where(defined, table - means, np.nan))


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

RANK_PREFIX = "xsr_"
"""``xsr_<feature>``: any per-symbol feature ranked across symbols at each timestamp, made on
first use (``[models] feature_transform = "rank"`` trains panel models on these)."""


def ranked(base: Feature) -> Feature:
    """The cross-sectional rank (0..1) of per-symbol feature ``base``: stationary and comparable
    across symbols and years, as causal as ``base``."""
    return make_feature(rank_across_symbols, name=f"{RANK_PREFIX}{base.name}", kind="cross_sectional",
                        base=base.name, lookback=base.lookback,
                        description=f"rank of {base.name} across symbols at the same timestamp, 0..1")


REGISTRY.derive(RANK_PREFIX, ranked)
