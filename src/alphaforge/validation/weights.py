"""Sample weights for overlapping labels: uniqueness, return attribution, time decay.

Overlapping labels share information, so an ordinary fit over-counts busy periods. These
weights (after López de Prado, *Advances in Financial Machine Learning*, ch. 4) are computed
per symbol on the grid of :mod:`alphaforge.validation._concurrency`; a label covers the
closed span [t0, t1]. Combine them by multiplying, e.g. ``average_uniqueness(s) *
time_decay(s, average_uniqueness(s), oldest=0.5)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.validation._concurrency import index_spans
from alphaforge.validation._spans import LabelSpans


def average_uniqueness(spans: LabelSpans, bars: pd.DataFrame | None = None) -> np.ndarray:
    """Mean over each label's points of 1 / (labels covering the point), in (0, 1].

    ``bars`` (optional) adds every bar time to the grid, which matters when labels start only
    at some bars (event filters); without them the grid is the labels' own t0 and t1.

    >>> from alphaforge.validation import LabelSpans
    >>> average_uniqueness(LabelSpans.from_arrays([0, 1, 5], [2, 3, 5])).round(3).tolist()
    [0.667, 0.667, 1.0]
    """
    index = index_spans(spans, bars)
    mean = index.span_sums(index.shared(np.ones(index.n_points))) / (index.stop - index.start)
    return np.minimum(mean, 1.0)  # a difference of two prefix sums can round a mean of ones to 1 + 1e-16


def return_attribution(spans: LabelSpans, bars: pd.DataFrame) -> np.ndarray:
    """|sum over the label's points of log return / concurrency|, scaled to sum to n.

    Labels over large, unshared moves weigh more than labels over quiet or crowded periods.
    The return at a point is the one-bar log return ending at that bar.
    """
    index = index_spans(spans, bars)
    raw = np.abs(index.span_sums(index.shared(index.point_returns)))
    total = raw.sum()
    if total == 0:
        raise InputError("every label covers zero returns (flat prices)", where="return_attribution",
                         fix="use average_uniqueness for flat or constant data")
    return raw * len(raw) / total


def time_decay(spans: LabelSpans, uniqueness: np.ndarray, oldest: float = 1.0) -> np.ndarray:
    """Weights decaying linearly with cumulative uniqueness, newest label = 1.

    Labels are ordered by t0. ``oldest`` in (-1, 1] is the oldest label's weight: 1 means no
    decay, 0 a straight line down to 0, and a negative c gives weight 0 to the oldest |c|
    share of cumulative uniqueness.
    """
    if not -1.0 < oldest <= 1.0:
        raise InputError(f"oldest={oldest} is outside (-1, 1]", where="time_decay",
                         fix="use 1 for no decay, 0 for linear decay to zero, -0.5 to drop the oldest half")
    order = np.argsort(spans.t0, kind="stable")
    cumulative = np.empty(len(order))
    cumulative[order] = np.cumsum(np.asarray(uniqueness, dtype="float64")[order])
    total = cumulative[order[-1]]
    slope = (1.0 - oldest) / total if oldest >= 0 else 1.0 / ((oldest + 1.0) * total)
    return np.maximum(0.0, 1.0 - slope * total + slope * cumulative)
