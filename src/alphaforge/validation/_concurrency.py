"""Labels as ranges of points on a time grid: the shared index behind weights and bootstrap.

Each symbol gets a grid of times: its bar timestamps (when bars are given) together with its
labels' t0 and t1. A label covers the grid points in its closed span [t0, t1] (the same
convention as purging), a contiguous range ``[start, stop)`` of a global point numbering in
which every symbol's grid has its own stretch. Labels of different symbols never share a
point, so concurrency is counted per symbol. Storage is O(labels + points), never labels².
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.validation._spans import LabelSpans


@dataclass(frozen=True)
class SpanIndex:
    """``start``/``stop`` per label on a grid of ``point_times``; ``point_returns`` when known."""

    start: np.ndarray
    stop: np.ndarray
    point_times: np.ndarray
    point_returns: np.ndarray | None

    @property
    def n_points(self) -> int:
        """Number of grid points over all symbols."""
        return len(self.point_times)

    def concurrency(self) -> np.ndarray:
        """Number of labels covering each point."""
        size = self.n_points + 1
        change = np.bincount(self.start, minlength=size) - np.bincount(self.stop, minlength=size)
        return np.cumsum(change)[: self.n_points]

    def shared(self, per_point: np.ndarray) -> np.ndarray:
        """``per_point`` shared among the labels covering each point: per_point / concurrency.

        A point no label covers (a bar between two labels) gets 0, not a division by zero:
        no span contains it, and an inf there would turn every later prefix sum into NaN.
        """
        concurrency = self.concurrency()
        out = np.zeros(self.n_points)
        np.divide(per_point, concurrency, out=out, where=concurrency > 0)
        return out

    def span_sums(self, per_point: np.ndarray) -> np.ndarray:
        """Sum of ``per_point`` over each label's points, via prefix sums."""
        prefix = np.r_[0.0, np.cumsum(per_point)]
        return prefix[self.stop] - prefix[self.start]


def _bar_groups(bars: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per symbol: bar times (int64 ns) and the one-bar log return ending at each bar."""
    missing = [c for c in ("symbol", "timestamp", "close") if c not in bars.columns]
    if missing:
        raise InputError(f"bars lack column(s) {missing}", where="bars", fix="pass canonical bars")
    times = pd.DatetimeIndex(bars["timestamp"]).tz_convert("UTC").tz_localize(None).as_unit("ns").asi8
    groups = {}
    for symbol, positions in pd.Series(np.arange(len(bars))).groupby(bars["symbol"].astype(str).to_numpy()):
        rows = positions.to_numpy()[np.argsort(times[positions.to_numpy()], kind="stable")]
        log_close = np.log(bars["close"].to_numpy(dtype="float64")[rows])
        groups[str(symbol)] = times[rows], np.r_[0.0, np.diff(log_close)]
    return groups


def index_spans(spans: LabelSpans, bars: pd.DataFrame | None = None) -> SpanIndex:
    """Build the :class:`SpanIndex` of ``spans`` (per symbol when the spans carry symbols)."""
    symbols = spans.symbols if spans.symbols is not None else np.full(len(spans), "")
    bar_groups = _bar_groups(bars) if bars is not None else None
    if bar_groups is not None and spans.symbols is None and len(bar_groups) > 1:
        raise InputError("spans have no symbols but the bars have several", where="label spans",
                         fix="build the spans with symbols (LabelSpans.from_frame(..., symbol='symbol'))")
    start = np.empty(len(spans), dtype=np.int64)
    stop = np.empty(len(spans), dtype=np.int64)
    times, returns, offset = [], [], 0
    order = np.argsort(symbols, kind="stable")  # each symbol's rows contiguous, in their own order
    names, first = np.unique(symbols[order], return_index=True)
    bounds = np.r_[first, len(order)]
    for symbol, begin, end in zip(names, bounds[:-1], bounds[1:], strict=True):
        rows = order[begin:end]
        own = np.r_[spans.t0[rows], spans.t1[rows]]
        if bar_groups is not None:
            key = symbol if spans.symbols is not None else next(iter(bar_groups))
            if key not in bar_groups:
                raise InputError(f"no bars for symbol {symbol!r}", where="bars",
                                 fix="pass the bars the labels were computed from")
            bar_times, bar_returns = bar_groups[key]
            grid = np.union1d(bar_times, own)
            match = np.searchsorted(bar_times, grid).clip(max=len(bar_times) - 1)
            returns.append(np.where(bar_times[match] == grid, bar_returns[match], 0.0))
        else:
            grid = np.unique(own)
        start[rows] = offset + np.searchsorted(grid, spans.t0[rows], side="left")
        stop[rows] = offset + np.searchsorted(grid, spans.t1[rows], side="right")
        times.append(grid)
        offset += len(grid)
    point_returns = np.concatenate(returns) if bar_groups is not None else None
    return SpanIndex(start, stop, np.concatenate(times), point_returns)
