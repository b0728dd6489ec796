"""Array helpers every target family shares: per-symbol slicing, forward windows, volatility.

Targets look *forward* from each bar. Horizons count bars, not clock time: a gap in the data
makes the label span longer in time, and ``t1`` (the time the label becomes known) records it.
A row whose horizon runs past the symbol's last bar gets no label (NaN, ``t1`` = NaT): tails
are dropped, never filled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from alphaforge.errors import InputError

NO_POSITION = -1
_CHUNK_CELLS = 4_000_000  # rows x horizon cells handled at once by windowed scans


@dataclass(frozen=True)
class Labels:
    """One target over a whole bar table, aligned with its rows.

    ``values`` is float64 with NaN where a row has no label; ``t1`` is ``datetime64[ns]``
    (UTC, naive) with NaT where it has none.
    """

    values: np.ndarray
    t1: np.ndarray


SymbolLabeler = Callable[[pd.DataFrame], tuple[np.ndarray, np.ndarray]]


def check_bars(bars: pd.DataFrame, columns: tuple[str, ...] = ("symbol", "timestamp", "close")) -> None:
    """Reject bars that are not canonical enough for forward-looking labels."""
    missing = [c for c in columns if c not in bars.columns]
    if missing:
        raise InputError(f"bars lack column(s) {missing}; found {list(bars.columns)}", where="bars",
                         fix="pass canonical bars (alphaforge.data.schema.validate_bars)")
    if len(bars) == 0:
        raise InputError("no bars", where="bars", fix="pass at least one bar per symbol")
    symbols = bars["symbol"].astype(str).to_numpy()
    stamps = utc_nanoseconds(bars["timestamp"])
    same = symbols[1:] == symbols[:-1]
    unsorted = (symbols[1:] < symbols[:-1]) | (same & (stamps[1:] <= stamps[:-1]))
    if unsorted.any():
        row = int(np.flatnonzero(unsorted)[0]) + 1
        raise InputError("bars are not sorted by (symbol, timestamp) with unique keys",
                         where=f"bars, row {row}",
                         fix="pass the bars through alphaforge.data.schema.validate_bars first")


def symbol_slices(bars: pd.DataFrame) -> list[slice]:
    """Contiguous row ranges of each symbol in sorted bars."""
    symbols = bars["symbol"].astype(str).to_numpy()
    starts = np.flatnonzero(np.r_[True, symbols[1:] != symbols[:-1]])
    stops = np.r_[starts[1:], len(symbols)]
    return [slice(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def label_per_symbol(bars: pd.DataFrame, labeler: SymbolLabeler) -> Labels:
    """Run ``labeler`` on each symbol's bars and assemble the panel's labels.

    ``labeler`` returns values and, per row, the position (within that symbol) of the bar at
    which the label becomes known, or :data:`NO_POSITION`.
    """
    values = np.full(len(bars), np.nan)
    t1 = np.full(len(bars), np.datetime64("NaT"), dtype="datetime64[ns]")
    stamps = utc_nanoseconds(bars["timestamp"])
    for part in symbol_slices(bars):
        part_values, positions = labeler(bars.iloc[part])
        known = positions != NO_POSITION
        part_values = np.where(known, part_values, np.nan)
        values[part] = part_values
        part_t1 = t1[part]
        part_t1[known] = stamps[part][positions[known]]
        t1[part] = part_t1
    return Labels(values, t1)


def utc_nanoseconds(timestamps: pd.Series) -> np.ndarray:
    """Timestamps as naive ``datetime64[ns]`` in UTC."""
    return pd.DatetimeIndex(timestamps).tz_convert("UTC").tz_localize(None).as_unit("ns").to_numpy()


def horizon_positions(n_rows: int, horizon: int) -> np.ndarray:
    """Position of bar t+horizon for each row, or NO_POSITION past the end."""
    positions = np.arange(n_rows) + horizon
    return np.where(positions < n_rows, positions, NO_POSITION)


def shift_forward(values: np.ndarray, horizon: int) -> np.ndarray:
    """``out[t] = values[t + horizon]``, NaN past the end."""
    out = np.full(len(values), np.nan)
    if horizon < len(values):
        out[: len(values) - horizon] = values[horizon:]
    return out


def forward_windows(values: np.ndarray, horizon: int) -> np.ndarray:
    """Read-only view of shape (n - horizon, horizon): row t holds ``values[t+1 .. t+horizon]``."""
    if horizon >= len(values):
        return np.empty((0, horizon))
    return sliding_window_view(values[1:], horizon)


def forward_extreme(values: np.ndarray, horizon: int, *, largest: bool) -> np.ndarray:
    """Max (or min) of ``values[t+1 .. t+horizon]``; NaN where the window runs past the end."""
    out = np.full(len(values), np.nan)
    windows = forward_windows(values, horizon)
    out[: len(windows)] = windows.max(axis=1) if largest else windows.min(axis=1)
    return out


def first_crossing(paths: np.ndarray, level: np.ndarray, *, above: bool) -> np.ndarray:
    """Column of the first cell of each row at/above (or at/below) that row's level, else -1."""
    hits = paths >= level[:, None] if above else paths <= level[:, None]
    first = np.argmax(hits, axis=1)
    return np.where(hits.any(axis=1), first, NO_POSITION)


def chunk_rows(rows: np.ndarray, horizon: int) -> list[np.ndarray]:
    """Split row positions into chunks small enough for a (rows x horizon) scan."""
    size = max(1, _CHUNK_CELLS // max(horizon, 1))
    return [rows[i: i + size] for i in range(0, len(rows), size)]


def rolling_volatility(close: np.ndarray, window: int) -> np.ndarray:
    """Standard deviation (ddof=1) of the last ``window`` one-bar log returns, known at t.

    NaN until ``window`` returns exist (the first ``window`` bars).
    """
    log_returns = np.r_[np.nan, np.diff(np.log(close))]
    return pd.Series(log_returns).rolling(window, min_periods=window).std(ddof=1).to_numpy()


def price_column(bars: pd.DataFrame, name: str) -> np.ndarray:
    """``high``/``low`` when present, else ``close`` (close-only data)."""
    column = name if name in bars.columns else "close"
    return bars[column].to_numpy(dtype="float64")
