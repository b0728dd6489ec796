"""Walk-forward meta probabilities: every signal in the backtest range judged out of sample.

The backtest range's signals are cut into ``n_windows`` consecutive windows of (about) equal
numbers of signal times. For each window a meta-model is trained, calibrator included, on
the signals whose label was known strictly before the window's first signal (t1 < window
start: purging, since labels span ``horizon`` bars) and predicts the window's signals. No
signal is ever scored by a model that saw its outcome, or the outcome of a later signal.
Signals before the first window are training data only and get no probability.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.meta.training import Events, MetaRecipe
from alphaforge.timestamps import naive_utc, to_utc

DEFAULT_WINDOWS = 5
DEFAULT_FIRST_FRACTION = 0.5
"""Without an explicit start, the first half of the signal times only trains the first refit."""


def first_test_time(events: Events, start: object = None, fraction: float = DEFAULT_FIRST_FRACTION) -> np.datetime64:
    """The first signal time scored: the first at or after ``start``, else the ``fraction`` quantile."""
    times = np.unique(events.t0)
    if start is not None:
        position = int(np.searchsorted(times, to_utc(start, "start").tz_localize(None).to_datetime64(), side="left"))
    else:
        position = int(np.floor(len(times) * fraction))
    if position >= len(times):
        raise InputError(f"no signal at or after {start}", where="meta walk-forward",
                         fix=f"start the backtest before the last signal ({pd.Timestamp(times[-1])})")
    return times[position]


def walk_forward_probabilities(signals: pd.DataFrame, recipe: MetaRecipe, *, start: object = None,
                               n_windows: int = DEFAULT_WINDOWS) -> pd.DataFrame:
    """Out-of-sample probability per row of a signal table (module docstring).

    ``signals`` is :func:`~alphaforge.meta.dataset.signal_table` output: labelled rows train,
    every row in a window is scored (also those whose label is not known yet). Returns
    ``symbol``, ``timestamp``, ``probability`` (NaN before the first window) and
    ``trained_until`` (the last label time the scoring model learned from; NaT where unscored).
    """
    signals = signals.sort_values(["timestamp", "symbol"], kind="stable").reset_index(drop=True)
    events = Events.of(signals[signals["label"].notna()])
    X = signals[list(events.X.columns)].astype("float64")
    t0 = naive_utc(signals["timestamp"])
    first = first_test_time(events, start)
    times = np.unique(t0[t0 >= first])
    n_windows = max(1, min(int(n_windows), len(times)))
    bounds = [times[i * len(times) // n_windows] for i in range(n_windows)] + [None]
    probability = np.full(len(signals), np.nan)
    trained_until = np.full(len(signals), np.datetime64("NaT"), dtype="datetime64[ns]")
    for begin, stop in itertools.pairwise(bounds):
        train = np.flatnonzero(events.t1 < begin)
        if len(train) == 0:
            raise InputError(f"no signal's label is known before {pd.Timestamp(begin)}, so the first meta-model "
                             "has nothing to learn from", where="meta walk-forward",
                             fix="start the backtest later (--start) so earlier signals can train the meta-model")
        test = np.flatnonzero((t0 >= begin) & (True if stop is None else t0 < stop))
        model = events.rows(train).fit(recipe)
        probability[test] = model.predict(X.iloc[test])
        trained_until[test] = events.t1[train].max()
    return signals[["symbol", "timestamp"]].assign(probability=probability,
                              trained_until=pd.DatetimeIndex(trained_until).tz_localize("UTC")).reset_index(drop=True)
