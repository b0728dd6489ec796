"""How well a score times one series: the tear sheet's view when there is nothing to rank across.

With one symbol a cross-sectional IC is undefined, so the score is judged over time instead:

- ``hit_rate``: among the rows where score and label are finite and non-zero, the share where
  their signs agree (a directional call per bar), beside ``up_share``, the share of those rows
  whose label is positive: a score that is always positive (a probability, or "always long")
  has a hit rate equal to ``up_share``, so only the difference is skill.
- The IC is the Spearman correlation of score and label over the rows (per year, or over a
  rolling window of rows); its t is the correlation's t, r sqrt((m - 2) / (1 - r^2)), on every
  ``horizon``-th row only (m of them), because h-bar labels of neighbouring rows overlap.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from alphaforge.validation._cross_section import spearman_last

_CHUNK_CELLS = 2_000_000  # rolling windows are ranked this many cells at a time (bounded memory)


def _columns(frame: pd.DataFrame, score: str, label: str) -> tuple[np.ndarray, np.ndarray]:
    return frame[score].to_numpy(dtype="float64"), frame[label].to_numpy(dtype="float64")


def _correlation_t(r: float, m: int) -> tuple[float, float]:
    """(t, two-sided p) of a correlation ``r`` from ``m`` pairs, Student t with m - 2 degrees."""
    if not math.isfinite(r) or m < 3:
        return math.nan, math.nan
    if abs(r) >= 1.0:
        return math.copysign(math.inf, r), 0.0
    t = r * math.sqrt((m - 2) / (1.0 - r * r))
    return t, float(2.0 * stats.t.sf(abs(t), m - 2))


def _pairs(scores: np.ndarray, labels: np.ndarray) -> int:
    return int((np.isfinite(scores) & np.isfinite(labels)).sum())


def hit_rate(frame: pd.DataFrame, score: str = "score", label: str = "label") -> dict[str, float | int]:
    """Share of rows where the signs of score and label agree, and the share of up labels.

    Keys: n_calls (rows with finite, non-zero score and label), hit_rate, up_share.

    >>> frame = pd.DataFrame({"score": [1.0, -1.0, 2.0, 0.0], "label": [0.1, 0.2, 0.3, 0.1]})
    >>> hit_rate(frame)
    {'n_calls': 3, 'hit_rate': 0.6666666666666666, 'up_share': 1.0}
    """
    scores, labels = _columns(frame, score, label)
    called = np.isfinite(scores) & np.isfinite(labels) & (scores != 0) & (labels != 0)
    n = int(called.sum())
    if n == 0:
        return {"n_calls": 0, "hit_rate": math.nan, "up_share": math.nan}
    agree = np.sign(scores[called]) == np.sign(labels[called])
    return {"n_calls": n, "hit_rate": float(agree.mean()), "up_share": float((labels[called] > 0).mean())}


def series_ic(frame: pd.DataFrame, horizon: int, score: str = "score", label: str = "label") -> dict[str, float | int]:
    """Spearman IC of score and label over all rows, with its t on every ``horizon``-th row.

    Keys: n (finite pairs), ic, t_nonoverlap, p_value (two-sided, from t_nonoverlap).
    """
    scores, labels = _columns(frame, score, label)
    ic = float(spearman_last(scores, labels)) if len(scores) else math.nan
    sparse_scores, sparse_labels = scores[::horizon], labels[::horizon]
    sparse_ic = float(spearman_last(sparse_scores, sparse_labels)) if len(sparse_scores) else math.nan
    t, p = _correlation_t(sparse_ic, _pairs(sparse_scores, sparse_labels))
    return {"n": _pairs(scores, labels), "ic": ic, "t_nonoverlap": t, "p_value": p}


def series_ic_by_year(frame: pd.DataFrame, horizon: int, score: str = "score",
                      label: str = "label") -> list[dict[str, float | int]]:
    """Per calendar year: year, n (finite pairs), mean (the Spearman IC of that year's rows)
    and t (of the IC on the year's every ``horizon``-th row; rows in time order, as
    predictions are)."""
    scores, labels = _columns(frame, score, label)
    code, years = pd.factorize(pd.DatetimeIndex(frame["timestamp"]).year)
    position = pd.Series(code).groupby(code).cumcount().to_numpy()
    shape = (len(years), int(position.max()) + 1 if len(code) else 0)
    tables = []
    for values in (scores, labels):
        table = np.full(shape, np.nan)
        table[code, position] = values
        tables.append(table)
    ic = spearman_last(tables[0], tables[1])
    sparse = spearman_last(tables[0][:, ::horizon], tables[1][:, ::horizon])
    rows = []
    for i, year in enumerate(years):  # a loop over years
        known = np.isfinite(tables[0][i]) & np.isfinite(tables[1][i])
        m = int((known[::horizon]).sum())
        rows.append({"year": int(year), "n": int(known.sum()), "mean": float(ic[i]),
                     "t": _correlation_t(float(sparse[i]), m)[0]})
    return rows


def rolling_ic(frame: pd.DataFrame, window: int, score: str = "score", label: str = "label") -> pd.Series:
    """Spearman IC of score and label over each run of ``window`` consecutive rows, indexed by
    the timestamp of the run's last row; NaN where fewer than half the run's pairs are finite."""
    scores, labels = _columns(frame, score, label)
    times = pd.DatetimeIndex(frame["timestamp"])
    if len(scores) < window:
        return pd.Series([], index=times[:0], name="rolling_ic", dtype="float64")
    score_windows = np.lib.stride_tricks.sliding_window_view(scores, window)
    label_windows = np.lib.stride_tricks.sliding_window_view(labels, window)
    step = max(1, _CHUNK_CELLS // window)
    ic = np.concatenate([spearman_last(score_windows[i:i + step], label_windows[i:i + step],
                                       max(3, window // 2))
                         for i in range(0, len(score_windows), step)])
    return pd.Series(ic, index=times[window - 1:], name="rolling_ic")
