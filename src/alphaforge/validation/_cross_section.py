"""Long prediction rows as a timestamp × symbol table, and rank correlations along its rows.

Everything the factor tear sheet measures is a statistic across the symbols of one timestamp,
so the rows are laid out once as a table (NaN where a symbol has no row) and every statistic
is a vectorised operation along the last axis: no Python loop per timestamp.

Conventions: a cell is *missing* when it is not finite; ranks are average ranks (ties share
the mean of the positions they occupy), 1..n among the cells kept; a Spearman correlation is
the Pearson correlation of those ranks over the cells where both sides are present.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.data.schema import key_positions
from alphaforge.errors import InputError
from alphaforge.features.cross_sectional import counting_pays, ranks_by_counting

THREADED_ROWS = 20_000
"""Rows below which statistics over several tables (tear sheets, feature blocks) stay on one thread:
calls on small tables hold the GIL about as long as they run, and two threads passing it to and
fro take longer than one."""


@dataclass(frozen=True)
class Panel:
    """Where each row of a long (symbol, timestamp) frame sits in the timestamp × symbol table."""

    times: pd.DatetimeIndex
    symbols: pd.Index
    time: np.ndarray
    symbol: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame, columns: tuple[str, ...] = ()) -> Panel:
        """The panel of ``frame``'s rows; ``columns`` must be present too. Duplicate
        (symbol, timestamp) rows and rows without a key are an :class:`InputError`
        (:func:`~alphaforge.data.schema.key_positions`)."""
        missing = [c for c in ("symbol", "timestamp", *columns) if c not in frame.columns]
        if missing:
            raise InputError(f"missing column(s) {missing}", where="predictions",
                             fix="pass a long frame with symbol, timestamp, score and label columns")
        time, times, symbol, symbols = key_positions(frame, source="predictions",
                                                     fix="keep one prediction per symbol and timestamp")
        return cls(pd.DatetimeIndex(times), pd.Index(symbols), time, symbol)

    @property
    def shape(self) -> tuple[int, int]:
        """(timestamps, symbols)."""
        return len(self.times), len(self.symbols)

    def table(self, values: object) -> np.ndarray:
        """One value per row as a timestamp × symbol float table, NaN where a symbol has no row."""
        out = np.full(self.shape, np.nan)
        out[self.time, self.symbol] = np.asarray(values, dtype="float64")
        return out


def rank_last(values: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis among the finite cells; NaN elsewhere.

    Missing cells are ranked as +inf, after every finite value, so they leave the finite
    cells' ranks as they are. A table of a few dozen names and many rows is ranked by counting
    (:func:`ranks_by_counting`), the rest by a sort (:func:`_sorted_ranks`).
    """
    present = np.isfinite(values)
    filled = np.where(present, values, np.inf)
    names = filled.shape[-1] if filled.ndim else 0
    if counting_pays(names, filled.size // max(names, 1)):  # the same ranks, 2-3x faster than a sort
        columns = np.ascontiguousarray(np.moveaxis(filled, -1, 0).reshape(names, -1))
        ranks = np.moveaxis((ranks_by_counting(columns) + 1.0).reshape(names, *filled.shape[:-1]), 0, -1)
    else:
        ranks = _sorted_ranks(filled)
    return np.where(present, ranks, np.nan)


def _sorted_ranks(values: np.ndarray) -> np.ndarray:
    """1-based average ranks along the last axis of ``values`` (no NaN), from one unstable sort:
    a tie group's mean position does not depend on the order within it. ``scipy.stats.rankdata``
    gives the same values (a test compares them) from a stable sort, 2.4x slower on 1 M values."""
    names = values.shape[-1] if values.ndim else 0
    if values.size == 0:
        return np.zeros(values.shape)
    order = np.argsort(values, axis=-1)
    ordered = np.take_along_axis(values, order, axis=-1).reshape(-1, names)
    starts = np.empty(ordered.shape, dtype=bool)  # where a tie group begins, each row on its own
    starts[:, 0] = True
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=starts[:, 1:])
    first = np.flatnonzero(starts)
    sizes = np.diff(np.append(first, starts.size))
    mean_position = first % names + (sizes + 1) / 2.0
    ranks = np.empty(values.shape)
    np.put_along_axis(ranks, order, np.repeat(mean_position, sizes).reshape(values.shape), axis=-1)
    return ranks


def ranks_within(values: np.ndarray, keep: np.ndarray, ranks: np.ndarray | None = None) -> np.ndarray:
    """Ranks of ``values`` along the last axis among the cells in ``keep`` (NaN outside).

    ``ranks``: :func:`rank_last` of ``values``, reused on every row where ``keep`` is all of
    the row's finite cells, so only the rows that lose a cell are ranked again.
    """
    if ranks is None:
        return rank_last(np.where(keep, values, np.nan))
    out = np.where(keep, ranks, np.nan)
    again = (keep != np.isfinite(values)).any(axis=-1)
    if again.any():
        out[again] = rank_last(np.where(keep[again], values[again], np.nan))
    return out


def spearman_last(x: np.ndarray, y: np.ndarray, min_names: int = 3, *, x_ranks: np.ndarray | None = None,
                  y_ranks: np.ndarray | None = None) -> np.ndarray:
    """Spearman correlation of ``x`` and ``y`` along the last axis (arrays broadcast).

    NaN where fewer than ``min_names`` pairs are both finite or either side is constant
    there. ``x_ranks``/``y_ranks``: precomputed :func:`rank_last` of each side, to reuse.
    """
    x, y = np.broadcast_arrays(x, y)
    keep = np.isfinite(x) & np.isfinite(y)
    x_ranks = None if x_ranks is None else np.broadcast_to(x_ranks, x.shape)
    y_ranks = None if y_ranks is None else np.broadcast_to(y_ranks, y.shape)
    n = keep.sum(axis=-1, keepdims=True)
    centre = (n + 1) / 2.0  # the mean of average ranks 1..n
    dx = np.where(keep, ranks_within(x, keep, x_ranks) - centre, 0.0)
    dy = np.where(keep, ranks_within(y, keep, y_ranks) - centre, 0.0)
    covariance = (dx * dy).sum(axis=-1)
    scale = np.sqrt((dx * dx).sum(axis=-1) * (dy * dy).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = covariance / scale
    return np.where((n[..., 0] >= min_names) & (scale > 0), correlation, np.nan)


def close_positions(close: pd.DataFrame, times: pd.DatetimeIndex, symbols: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Row and column positions of ``times`` and ``symbols`` in the wide ``close`` (-1 where absent).

    ``close``: index timestamps (sorted, UTC), columns symbols. None of the times or none of the
    symbols present is an :class:`InputError`: it is the wrong close matrix.
    """
    if not close.index.is_monotonic_increasing:
        raise InputError("the close matrix's timestamps are not sorted", where="close",
                         fix="pass close.sort_index()")
    rows = close.index.get_indexer(times)
    columns = close.columns.get_indexer(symbols)
    if len(times) and ((rows < 0).all() or (columns < 0).all()):
        raise InputError("none of the predictions' timestamps or symbols are in the close matrix",
                         where="close", fix="pass the close prices of the predictions' bars "
                                            "(index timestamps, one column per symbol)")
    return rows, columns


def forward_returns(close: pd.DataFrame, times: pd.DatetimeIndex, symbols: pd.Index, horizon: int) -> np.ndarray:
    """close[t + horizon bars] / close[t] - 1 as a times × symbols table (NaN past the end or
    where a time or symbol is not in ``close``)."""
    rows, columns = close_positions(close, times, symbols)
    prices = nan_edged(close)
    end = np.where((rows >= 0) & (rows + horizon < len(close)), rows + horizon, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return prices[end][:, columns] / prices[rows][:, columns] - 1.0


def nan_edged(wide: pd.DataFrame) -> np.ndarray:
    """``wide``'s values with a NaN row and column appended, so that position -1 (what
    :func:`close_positions` gives for an absent time or symbol) reads NaN."""
    values = np.full((len(wide) + 1, wide.shape[1] + 1), np.nan)
    values[:-1, :-1] = wide.to_numpy(dtype="float64")
    return values
