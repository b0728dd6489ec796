"""The simple factors a model must beat, scored on exactly the model's out-of-sample rows.

- 12-1 momentum: log close[t - skip] - log close[t - lookback], a year of bars back to a
  month ago (the last month left out: it tends to reverse).
- Short-term reversal: -(log close[t] - log close[t - window]), a week of bars.
- The best single feature: the feature with the highest |mean per-timestamp IC| on the
  training rows, with that IC's sign (the lead picks it inside each walk-forward fold, so it
  is chosen on training rows only).

Windows are in bars, from the bars per year (:func:`baseline_windows`): a year is that many
bars, a month a twelfth of it, a week 7 / 365.25 of it, each rounded to whole bars. Both
factors read only closes at or before t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.cpus import map_on_cpus
from alphaforge.errors import InputError
from alphaforge.timestamps import infer_periods_per_year
from alphaforge.validation._base import check_positive_int
from alphaforge.validation._cross_section import THREADED_ROWS, close_positions, nan_edged, rank_last, spearman_last

MAX_RANKED_TIMESTAMPS = 5_000  # best_single_feature ranks at most this many training timestamps
_FEATURES_AT_ONCE = 8  # features laid out as tables together (bounds the memory)


@dataclass(frozen=True)
class BaselineWindows:
    """The baselines' windows in bars: momentum from ``lookback`` to ``skip`` bars ago,
    reversal over the last ``reversal`` bars."""

    lookback: int
    skip: int
    reversal: int


def baseline_windows(bars_per_year: float) -> BaselineWindows:
    """12-1 momentum and one-week reversal windows for bars of any frequency.

    >>> baseline_windows(252)
    BaselineWindows(lookback=252, skip=21, reversal=5)
    >>> baseline_windows(8766)
    BaselineWindows(lookback=8766, skip=730, reversal=168)
    """
    if not math.isfinite(bars_per_year) or bars_per_year < 12:
        raise InputError(f"bars_per_year must be at least 12 (monthly bars), got {bars_per_year!r}",
                         where="bars_per_year", fix="pass e.g. 252 for daily stock bars, 8766 for 24/7 hours")
    lookback = round(bars_per_year)
    skip = max(1, round(bars_per_year / 12.0))
    return BaselineWindows(lookback=lookback, skip=min(skip, lookback - 1),
                           reversal=max(1, round(bars_per_year * 7.0 / 365.25)))


def momentum(close: pd.DataFrame, lookback: int, skip: int) -> pd.DataFrame:
    """log close[t - skip] - log close[t - lookback] per symbol (NaN for the first ``lookback`` bars)."""
    lookback, skip = check_positive_int(lookback, "lookback", 1), check_positive_int(skip, "skip", 0)
    if skip >= lookback:
        raise InputError(f"skip={skip} must be below lookback={lookback}", where="skip",
                         fix="skip the most recent bars of the lookback, e.g. lookback=252, skip=21")
    logs = np.log(close)
    return logs.shift(skip) - logs.shift(lookback)


def reversal(close: pd.DataFrame, window: int) -> pd.DataFrame:
    """-(log close[t] - log close[t - window]) per symbol: last ``window`` bars' losers score high."""
    window = check_positive_int(window, "window", 1)
    logs = np.log(close)
    return logs.shift(window) - logs


def _at_rows(factor: pd.DataFrame, predictions: pd.DataFrame) -> np.ndarray:
    """The factor's value at each prediction row's (timestamp, symbol); NaN where ``factor``
    has no such timestamp or symbol."""
    rows, columns = close_positions(factor, pd.DatetimeIndex(predictions["timestamp"]),
                                    pd.Index(predictions["symbol"]))
    return nan_edged(factor)[rows, columns]


def baseline_frames(predictions: pd.DataFrame, close: pd.DataFrame,
                    bars_per_year: float | None = None) -> dict[str, pd.DataFrame]:
    """Each baseline's score on exactly the prediction rows (same symbol, timestamp, label).

    ``close``: index timestamps, one column per symbol, reaching back a year of bars before the
    first prediction for momentum to be defined. ``bars_per_year`` defaults to what the close
    index implies (:func:`alphaforge.timestamps.infer_periods_per_year`). Keys: ``momentum_12_1``
    and ``reversal_1w``; each frame is ``predictions`` with its ``score`` replaced, ready for
    :func:`~alphaforge.validation.tearsheet.tear_sheet`.
    """
    windows = baseline_windows(bars_per_year or infer_periods_per_year(pd.DatetimeIndex(close.index)))
    factors = {"momentum_12_1": momentum(close, windows.lookback, windows.skip),
               "reversal_1w": reversal(close, windows.reversal)}
    return {name: predictions.assign(score=_at_rows(factor, predictions)) for name, factor in factors.items()}


def _by_timestamp(timestamps: np.ndarray, max_timestamps: int) -> tuple[np.ndarray, np.ndarray]:
    """(row index, position) of each kept row in a timestamps × names table: every k-th
    distinct timestamp, k chosen to keep at most ``max_timestamps``; -1 for rows left out."""
    time, times = pd.factorize(timestamps, sort=True)
    step = max(1, math.ceil(len(times) / max_timestamps))
    kept = time % step == 0
    row = np.where(kept, time // step, -1)
    position = pd.Series(time).groupby(time).cumcount().to_numpy()
    return row, position


def best_single_feature(X_train: pd.DataFrame, y_train: object, timestamps_train: object, *,
                        max_timestamps: int = MAX_RANKED_TIMESTAMPS) -> tuple[str, int]:
    """The feature with the highest |mean per-timestamp Spearman IC| against ``y_train`` on the
    training rows, and the sign of that IC (+1 or -1): score = sign * feature.

    To stay within seconds on 1 M × 90 matrices the ICs are measured on every k-th distinct
    timestamp, k the smallest that leaves at most ``max_timestamps`` (all of them when there
    are fewer): an evenly spread, deterministic subsample. Features whose IC is undefined at
    every timestamp (constant across names, e.g. macro) are never picked.
    """
    labels = np.asarray(y_train, dtype="float64")
    timestamps = np.asarray(timestamps_train)
    if not (len(X_train) == len(labels) == len(timestamps)) or X_train.shape[1] == 0:
        raise InputError(f"X_train has {X_train.shape} rows x features, y_train {len(labels)} and "
                         f"timestamps_train {len(timestamps)} rows", where="X_train",
                         fix="pass the training fold's features, labels and timestamps, row for row")
    row, position = _by_timestamp(timestamps, check_positive_int(max_timestamps, "max_timestamps", 1))
    kept = row >= 0
    row, position = row[kept], position[kept]
    if not kept.all():  # the kept rows taken once, not each block converted whole and then cut
        X_train = X_train.iloc[np.flatnonzero(kept)]
    shape = (int(row.max()) + 1, int(position.max()) + 1)
    target = np.full(shape, np.nan)
    target[row, position] = labels[kept]
    target_ranks = rank_last(target)

    def block_means(start: int) -> np.ndarray:
        """The mean ICs of one block of features, laid out as tables together."""
        block = X_train.iloc[:, start:start + _FEATURES_AT_ONCE].to_numpy(dtype="float64")
        tables = np.full((block.shape[1], *shape), np.nan)
        tables[:, row, position] = block.T
        ic = spearman_last(tables, target, y_ranks=target_ranks)
        counts = np.isfinite(ic).sum(axis=1)
        return np.where(counts > 0, np.nansum(ic, axis=1) / np.maximum(counts, 1), np.nan)

    # the blocks on one thread per usable CPU: whole tables per NumPy call, which runs without the GIL
    # (0.30 -> 0.20 s a fold at 1 M rows); each block's means are the same bits on any thread
    blocks = range(0, X_train.shape[1], _FEATURES_AT_ONCE)
    means = np.concatenate(map_on_cpus(block_means, blocks, threaded=len(row) >= THREADED_ROWS))
    if not np.isfinite(means).any():
        raise InputError("no feature has a defined per-timestamp IC on the training rows", where="X_train",
                         fix="pass features that vary across symbols at a timestamp")
    best = int(np.nanargmax(np.abs(means)))
    return str(X_train.columns[best]), 1 if means[best] >= 0 else -1
