"""Entry events of a base strategy: the bars where it opens (or flips into) a position.

A meta-model judges each trade a base strategy opens, so the unit of the meta dataset is the
entry, not the bar: the bar ``t`` where the weight's side (+1 long, -1 short) becomes
non-zero or changes sign. The engine trades that weight at ``t``'s close (next-bar
execution: the position earns the return from ``t`` to the bars after it), so an entry's
price is the close at ``t``. Each entry also records the last bar its position is held
(``end_bar``: the bar before the side changes again, or the last bar), which is what the
ensemble layer keeps, resizes or drops as a whole.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _sides(weights: pd.DataFrame) -> np.ndarray:
    """Signs of the weights (bars x symbols), NaN (flat) as 0."""
    values = weights.to_numpy(dtype="float64", na_value=np.nan)
    return np.sign(np.nan_to_num(values, nan=0.0))


def entry_signals(weights: pd.DataFrame) -> pd.DataFrame:
    """One row per position opened in a wide target-weight frame (timestamps x symbols).

    Columns: ``symbol``, ``timestamp`` (the entry bar), ``side`` (+1/-1), ``entry_bar`` and
    ``end_bar`` (row positions in ``weights``; the position is held on bars
    entry_bar .. end_bar). Rows are ordered by (timestamp, symbol).

    >>> times = pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC")
    >>> weights = pd.DataFrame({"A": [np.nan, 1, 1, 0, -1, -1]}, index=times)
    >>> entry_signals(weights)[["side", "entry_bar", "end_bar"]].values.tolist()
    [[1, 1, 2], [-1, 4, 5]]
    """
    side = _sides(weights)
    n_bars = side.shape[0]
    previous = np.vstack([np.zeros((1, side.shape[1])), side[:-1]])
    changed = side != previous
    opened = changed & (side != 0)
    # next bar (after each row) where the side changes again, per column; n_bars when none
    change_at = np.where(changed, np.arange(n_bars)[:, None], n_bars)
    next_change = np.minimum.accumulate(change_at[::-1], axis=0)[::-1]
    after = np.vstack([next_change[1:], np.full((1, side.shape[1]), n_bars)])
    rows, columns = np.nonzero(opened)
    return pd.DataFrame({
        "symbol": pd.Index(weights.columns).astype(str)[columns],
        "timestamp": pd.DatetimeIndex(weights.index)[rows],
        "side": side[rows, columns].astype("int64"),
        "entry_bar": rows.astype("int64"),
        "end_bar": (after[rows, columns] - 1).astype("int64"),
    })
