"""Long bars to a wide (symbol x time) close matrix, and target weights aligned to it.

The engine works on numpy arrays shaped (symbols, bars), each symbol's bars contiguous, so
that per-symbol runs of equal weights are contiguous slices of the flattened array. Gaps are
handled here once: a bar where a symbol has no price keeps its last price and its last
position (nothing can trade without a price), and before a symbol's first price it is flat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.backtest._checks import suggestion
from alphaforge.errors import InputError


@dataclass(frozen=True)
class Grid:
    """The bars as a matrix: ``close[s, t]`` is symbol ``symbols[s]`` at ``timestamps[t]`` (NaN if absent)."""

    timestamps: pd.DatetimeIndex
    symbols: pd.Index
    close: np.ndarray

    def frame(self, values: np.ndarray) -> pd.DataFrame:
        """A (symbols, bars) array as a wide frame indexed by timestamp with one column per symbol."""
        return pd.DataFrame(values.T, index=self.timestamps, columns=self.symbols)

    def close_frame(self) -> pd.DataFrame:
        """The close prices as a wide frame (what strategies read)."""
        return self.frame(self.close)


def _time_codes(stamps: pd.Series, symbol_codes: np.ndarray, n_symbols: int) -> tuple[np.ndarray, pd.Index]:
    """Each row's position on the sorted grid of all timestamps, and that grid.

    Fast path for canonical bars on one common grid (sorted by symbol, then time, every
    symbol with the same timestamps): the grid is the first symbol's timestamps, checked in
    one comparison. Anything else is factorised (hashing a million stamps costs ~10x more).
    """
    n_rows = len(stamps)
    if n_rows % n_symbols == 0 and np.all(symbol_codes[1:] >= symbol_codes[:-1]):
        values = stamps.array.asi8.reshape(n_symbols, n_rows // n_symbols)
        if np.all(values[0, 1:] > values[0, :-1]) and np.array_equal(values, np.broadcast_to(values[0], values.shape)):
            return np.tile(np.arange(values.shape[1]), n_symbols), pd.Index(stamps.iloc[: values.shape[1]])
    return pd.factorize(stamps, sort=True)


def close_grid(bars: pd.DataFrame) -> Grid:
    """The close matrix of canonical long bars (columns symbol, timestamp, close at least)."""
    if not isinstance(bars, pd.DataFrame):
        raise InputError(f"bars must be a DataFrame, got {type(bars).__name__}", where="bars",
                         fix="pass canonical long bars (symbol, timestamp, close, ...)")
    missing = [c for c in ("symbol", "timestamp", "close") if c not in bars.columns]
    if missing:
        raise InputError(f"bars lack column(s) {missing}; found {list(bars.columns)}", where="bars",
                         fix="pass canonical long bars (symbol, timestamp, close, ...)")
    if bars.empty:
        raise InputError("bars are empty", where="bars", fix="pass at least two bars")
    if not isinstance(bars["timestamp"].dtype, pd.DatetimeTZDtype):
        raise InputError(f"bar timestamps are {bars['timestamp'].dtype}, not time-zone aware datetimes",
                         where="bars, column 'timestamp'", fix="validate the bars first (alphaforge.data.schema)")
    symbol_codes, symbols = pd.factorize(bars["symbol"], sort=True)
    time_codes, timestamps = _time_codes(bars["timestamp"], symbol_codes, len(symbols))
    flat = symbol_codes.astype("int64") * len(timestamps) + time_codes
    if np.bincount(flat, minlength=len(symbols) * len(timestamps)).max() > 1:  # O(n), unlike np.unique
        raise InputError("bars repeat a (symbol, timestamp) pair", where="bars",
                         fix="validate the bars first (alphaforge.data.schema drops exact duplicates)")
    close = np.full(len(symbols) * len(timestamps), np.nan)
    close[flat] = bars["close"].to_numpy(dtype="float64")
    if not np.all(np.isfinite(close[flat]) & (close[flat] > 0)):
        raise InputError("bars have a missing or non-positive close", where="bars, column 'close'",
                         fix="validate the bars first (alphaforge.data.schema) and drop broken rows")
    return Grid(pd.DatetimeIndex(timestamps, name="timestamp"), pd.Index(symbols, name="symbol"),
                close.reshape(len(symbols), len(timestamps)))


def align_weights(weights: pd.DataFrame, grid: Grid) -> np.ndarray:
    """A wide target-weight frame (timestamp index, symbol columns) as a (symbols, bars) array
    on the grid; symbols or times it omits are flat (NaN)."""
    if not isinstance(weights, pd.DataFrame):
        raise InputError(f"positions must be a wide DataFrame or a Strategy, got {type(weights).__name__}",
                         where="positions", fix="pass target weights indexed by timestamp, one column per symbol")
    unknown = [c for c in weights.columns if c not in grid.symbols]
    if unknown:
        raise InputError(f"positions name symbol {unknown[0]!r}, which the bars lack."
                         f"{suggestion(str(unknown[0]), map(str, grid.symbols))}", where="positions",
                         fix=f"use the bars' symbols: {list(grid.symbols)[:10]}")
    extra = weights.index.difference(grid.timestamps)
    if len(extra):
        raise InputError(f"positions have {len(extra)} timestamp(s) without a bar, first {extra[0]}",
                         where="positions", fix="give positions only at the bars' timestamps (bar end, UTC)")
    aligned = weights.reindex(index=grid.timestamps, columns=grid.symbols)
    values = aligned.to_numpy(dtype="float64", na_value=np.nan).T
    if np.isinf(values).any():
        raise InputError("positions contain an infinite weight", where="positions", fix="use finite weights")
    return np.ascontiguousarray(values)


def forward_fill(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Each row's last valid value at or before every column (the first valid one before it)."""
    columns = np.arange(values.shape[1])
    index = np.where(valid, columns, -1)
    np.maximum.accumulate(index, axis=1, out=index)
    first = np.argmax(valid, axis=1)[:, None]
    index = np.where(index < 0, first, index)
    return np.take_along_axis(values, index, axis=1)


def fill_gaps(close: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prices carried over gaps and weights that only change where a price exists.

    NaN weights are flat. At a bar without a price the position stays as it was; before the
    first price it is 0. Returns new arrays; the inputs are not modified.
    """
    weights = np.nan_to_num(weights, nan=0.0)
    has_price = np.isfinite(close)
    if has_price.all():
        return close, weights
    if not has_price.any(axis=1).all():
        raise InputError("a symbol has no price at all", where="bars", fix="drop symbols without bars")
    before_first = np.cumsum(has_price, axis=1) == 0
    weights = forward_fill(np.where(before_first, 0.0, weights), has_price | before_first)
    return forward_fill(close, has_price), weights
