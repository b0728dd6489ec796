"""Binary targets: an absolute rise over a threshold, or outperformance of a benchmark.

``binary_abs_{h}_{threshold}[_{mode}]`` is 1 when price rises by ``threshold`` (a fraction,
0.02 = 2 %) within ``h`` bars, else 0:

- ``mode=close`` (default): the forward return ``fwd_ret_{h}`` >= threshold; ``t1`` = bar t+h.
- ``mode=touch``: some high in bars t+1..t+h reaches close[t] * (1 + threshold) (closes on
  close-only data); ``t1`` = the first touching bar, or bar t+h when none touches.

Rows whose horizon runs past the data get no label in both modes, even when a touch already
happened, so that every row of a target covers the same horizon.

``binary_outperf_{h}_{benchmark}`` is 1 when the symbol's simple forward return over ``h`` bars
beats (strictly) the benchmark's over the same bars: another symbol's, or ``ew``, the
equal-weight mean of every symbol labelled at that timestamp (itself included; at least two
needed). ``t1`` is the later of the two label times. The benchmark symbol gets no label.
The label is the sign of :func:`excess_return`, the one outperformance rule; code that judges
a short position signs it itself (a short outperforms when the excess return is < 0).
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.targets._core import (
    NO_POSITION,
    Labels,
    bar_keys,
    chunk_rows,
    first_crossing,
    forward_windows,
    horizon_positions,
    label_per_symbol,
    price_column,
)
from alphaforge.targets.forward import forward_return

EQUAL_WEIGHT = "ew"
MODES = ("close", "touch")


def binary_absolute(bars: pd.DataFrame, horizon: int, threshold: float, mode: str = "close") -> Labels:
    """1 if price rises by ``threshold`` within ``horizon`` bars (see the module docstring)."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}", where="binary_abs", fix=f"use one of {list(MODES)}")

    def on_touch(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        close = part["close"].to_numpy(dtype="float64")
        high = price_column(part, "high")
        windows = forward_windows(high, horizon)
        positions = horizon_positions(len(close), horizon)
        values = np.zeros(len(close))
        for rows in chunk_rows(np.arange(len(windows)), horizon):
            first = first_crossing(windows[rows], close[rows] * (1.0 + threshold), above=True)
            touched = first != NO_POSITION
            values[rows] = touched
            positions[rows[touched]] = rows[touched] + 1 + first[touched]
        return values, positions

    if mode == "touch":
        return label_per_symbol(bars, on_touch)
    forward = forward_return(bars, horizon)
    return Labels(np.where(np.isfinite(forward.values), forward.values >= threshold, np.nan), forward.t1)


def excess_return(bars: pd.DataFrame, horizon: int, benchmark: str) -> Labels:
    """Each row's simple forward return over ``horizon`` bars minus the benchmark's over the same
    bars (module docstring), and ``t1``, the later of the two label times.

    NaN (``t1`` NaT) where either return is unknown, and on the benchmark symbol's own rows.
    """
    own = forward_return(bars, horizon)
    keys = bar_keys(bars)
    frame = pd.DataFrame({"symbol": keys.symbols.to_numpy(), "timestamp": keys.stamps,
                          "ret": own.values, "t1": own.t1})
    if benchmark == EQUAL_WEIGHT:
        labelled = frame.dropna(subset=["ret"])
        per_time = labelled.groupby("timestamp").agg(ret=("ret", "mean"), t1=("t1", "max"),
                                                     count=("ret", "size"))
        per_time = per_time[per_time["count"] >= 2]
        is_benchmark = np.zeros(len(frame), dtype=bool)
    else:
        symbols = frame["symbol"].unique().tolist()
        if benchmark not in symbols:
            by_lower = {symbol.lower(): symbol for symbol in symbols}
            close = [by_lower[m] for m in difflib.get_close_matches(benchmark.lower(), list(by_lower), n=3)]
            raise InputError(f"benchmark symbol {benchmark!r} is not in the bars",
                             where="binary_outperf",
                             fix=(f"did you mean {close}? " if close else "")
                             + f"use one of {symbols[:10]} or '{EQUAL_WEIGHT}' (equal-weight universe)")
        per_time = frame[frame["symbol"] == benchmark].set_index("timestamp")[["ret", "t1"]]
        is_benchmark = (frame["symbol"] == benchmark).to_numpy()
    bench = per_time.reindex(pd.Index(frame["timestamp"]))
    bench_ret = bench["ret"].to_numpy(dtype="float64")
    known = np.isfinite(own.values) & np.isfinite(bench_ret) & ~is_benchmark
    bench_t1 = bench["t1"].to_numpy(dtype="datetime64[ns]")
    t1 = np.where(known, np.maximum(own.t1, bench_t1), np.datetime64("NaT"))
    return Labels(np.where(known, own.values - bench_ret, np.nan), t1.astype("datetime64[ns]"))


def binary_outperformance(bars: pd.DataFrame, horizon: int, benchmark: str) -> Labels:
    """1 if the forward return beats the benchmark's over the same bars (module docstring)."""
    excess = excess_return(bars, horizon, benchmark)
    return Labels(np.where(np.isfinite(excess.values), excess.values > 0, np.nan), excess.t1)
