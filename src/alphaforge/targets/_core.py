"""Array helpers every target family shares: the bars' keys, per-symbol slicing, forward windows, volatility.

Targets look *forward* from each bar. Horizons count bars, not clock time: a gap in the data
makes the label span longer in time, and ``t1`` (the time the label becomes known) records it.
A row whose horizon runs past the symbol's last bar gets no label (NaN, ``t1`` = NaT): tails
are dropped, never filled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


@dataclass(frozen=True)
class BarKeys:
    """What every target reads from the bars' keys: symbols as ``str`` (RangeIndex), each
    symbol's contiguous row range, and the timestamps as naive UTC ``datetime64[ns]``."""

    symbols: pd.Series
    slices: tuple[slice, ...]
    stamps: np.ndarray


_SHARED_KEYS: ContextVar[dict[int, tuple[pd.DataFrame, BarKeys]] | None] = ContextVar("target_bar_keys",
                                                                                      default=None)


@contextmanager
def shared_bar_keys() -> Iterator[None]:
    """Within this block, :func:`bar_keys` works out each bar table's keys once (the compute
    path activates it for one call over many targets), and afresh on every call otherwise.
    Nested blocks share the outermost one's keys."""
    if _SHARED_KEYS.get() is not None:
        yield
        return
    token = _SHARED_KEYS.set({})
    try:
        yield
    finally:
        _SHARED_KEYS.reset(token)


def bar_keys(bars: pd.DataFrame) -> BarKeys:
    """The keys of ``bars`` (see :class:`BarKeys`), shared while :func:`shared_bar_keys` is active."""
    shared = _SHARED_KEYS.get()
    held = None if shared is None else shared.get(id(bars))
    if held is not None and held[0] is bars:  # the memo holds the frame, so its id is not reused
        return held[1]
    symbols = bars["symbol"].astype(str).reset_index(drop=True)
    names = symbols.to_numpy()
    starts = np.flatnonzero(np.r_[True, names[1:] != names[:-1]])
    stops = np.r_[starts[1:], len(names)]
    stamps = utc_nanoseconds(bars["timestamp"])
    stamps.flags.writeable = False  # shared by every target of the call: none may change it
    keys = BarKeys(symbols, tuple(slice(int(a), int(b)) for a, b in zip(starts, stops, strict=True)), stamps)
    if shared is not None:
        shared[id(bars)] = (bars, keys)
    return keys


def check_bars(bars: pd.DataFrame, columns: tuple[str, ...] = ("symbol", "timestamp", "close")) -> None:
    """Reject bars that are not canonical enough for forward-looking labels."""
    missing = [c for c in columns if c not in bars.columns]
    if missing:
        raise InputError(f"bars lack column(s) {missing}; found {list(bars.columns)}", where="bars",
                         fix="pass canonical bars (alphaforge.data.schema.validate_bars)")
    if len(bars) == 0:
        raise InputError("no bars", where="bars", fix="pass at least one bar per symbol")
    keys = bar_keys(bars)
    symbols, stamps = keys.symbols.to_numpy(), keys.stamps
    same = symbols[1:] == symbols[:-1]
    unsorted = (symbols[1:] < symbols[:-1]) | (same & (stamps[1:] <= stamps[:-1]))
    if unsorted.any():
        row = int(np.flatnonzero(unsorted)[0]) + 1
        raise InputError("bars are not sorted by (symbol, timestamp) with unique keys",
                         where=f"bars, row {row}",
                         fix="pass the bars through alphaforge.data.schema.validate_bars first")


def label_per_symbol(bars: pd.DataFrame, labeler: SymbolLabeler) -> Labels:
    """Run ``labeler`` on each symbol's bars and assemble the panel's labels.

    ``labeler`` returns values and, per row, the position (within that symbol) of the bar at
    which the label becomes known, or :data:`NO_POSITION`.
    """
    values = np.full(len(bars), np.nan)
    t1 = np.full(len(bars), np.datetime64("NaT"), dtype="datetime64[ns]")
    keys = bar_keys(bars)
    stamps = keys.stamps
    for part in keys.slices:
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
