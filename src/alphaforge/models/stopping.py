"""Early stopping on the metric of the task, and the round it keeps.

A model stopped on the wrong yardstick looks fine and ranks nothing: on a panel of stocks the
squared error of a raw forward return is minimised by predicting the market's mean, so early
stopping on it picks one or two trees. :class:`ValidationScorer` scores a validation round by
what the user cares about: for regression on a panel, the mean per-timestamp rank IC (the
Spearman correlation across symbols of the output and the label at each validation
timestamp); otherwise minus the training loss (squared error, log loss for classes). Higher
is always better.

:func:`best_round` then picks the round to keep from the whole validation curve: the best
round after ``min_rounds``, judged on the curve's running mean over ``smoothing`` rounds so
that one lucky round on a noisy curve does not decide. Families that train round by round
stop once ``patience`` rounds pass without a better smoothed score (:func:`should_stop`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alphaforge.features._grid import Grid
from alphaforge.features.cross_sectional import rank_table

STOPPING_METRICS = ("ic", "loss")
MIN_NAMES = 3
"""Symbols a validation timestamp needs for its rank IC to count."""


def mean_loss(task: str, output: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Mean (``weights``: weighted) loss of ``output`` against encoded ``labels``: squared error
    for regression, else the log loss of the true class."""
    if task == "regression":
        errors = (output - labels) ** 2
    else:
        errors = -np.log(np.clip(output[np.arange(len(labels)), labels.astype(np.int64)], 1e-15, 1.0))
    return float(np.average(errors, weights=weights))


@dataclass(frozen=True)
class ValidationScorer:
    """Scores model outputs on fixed validation rows; higher is better.

    ``groups`` (one int64 per row, e.g. the timestamp) switches a regression to the mean rank
    IC across rows of the same group; groups with fewer than :data:`MIN_NAMES` rows, or a
    constant output or label, count as an IC of 0 (no ranking shown is no skill).

    >>> scorer = ValidationScorer("regression", np.array([1.0, 2.0, 3.0, 3.0, 2.0, 1.0]),
    ...                           groups=np.array([0, 0, 0, 1, 1, 1]))
    >>> scorer(np.array([0.1, 0.2, 0.3, 0.3, 0.2, 0.1]))
    1.0
    """

    task: str
    labels: np.ndarray
    weights: np.ndarray | None = None
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.groups is None or self.task != "regression":
            return
        grid = Grid.of(np.asarray(self.groups, dtype=np.int64),
                       _positions_within(np.asarray(self.groups, dtype=np.int64)))
        object.__setattr__(self, "_grid", grid)
        labels = _centred(rank_table(self.labels, grid))
        object.__setattr__(self, "_label_ranks", labels)
        object.__setattr__(self, "_label_unknown", np.isnan(labels))

    @property
    def metric(self) -> str:
        """``ic`` or ``loss``: what the score measures."""
        return "ic" if hasattr(self, "_grid") else "loss"

    def __call__(self, output: np.ndarray) -> float:
        output = np.asarray(output, dtype=np.float64)
        if self.metric == "loss":
            return -mean_loss(self.task, output, self.labels, self.weights)
        ranks = _centred(rank_table(output, self._grid))  # type: ignore[attr-defined]
        labels = self._label_ranks  # type: ignore[attr-defined]
        both = ~(np.isnan(ranks) | self._label_unknown)  # type: ignore[attr-defined]
        ranks, labels = np.where(both, ranks, 0.0), np.where(both, labels, 0.0)
        numerator = (ranks * labels).sum(axis=1)
        denominator = np.sqrt((ranks ** 2).sum(axis=1) * (labels ** 2).sum(axis=1))
        counted = both.sum(axis=1) >= MIN_NAMES
        ic = np.where(counted & (denominator > 0), numerator / np.where(denominator > 0, denominator, 1.0), 0.0)
        return float(ic[counted].mean()) if counted.any() else 0.0


def _positions_within(groups: np.ndarray) -> np.ndarray:
    """Each row's position among the rows of its group (a column index for the grid)."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    counts = np.diff(np.r_[starts, len(groups)])
    positions = np.empty(len(groups), dtype=np.int64)
    positions[order] = np.arange(len(groups)) - np.repeat(starts, counts)
    return positions


def _centred(table: np.ndarray) -> np.ndarray:
    """Each row of a (group x member) table minus its mean over the known members (NaN where
    none is known): ``np.nanmean``'s sum and count, without its copies and checks."""
    known = ~np.isnan(table)
    with np.errstate(invalid="ignore", divide="ignore"):
        return table - np.where(known, table, 0.0).sum(axis=1, keepdims=True) / known.sum(axis=1, keepdims=True)


def smoothed(curve: np.ndarray, smoothing: int) -> np.ndarray:
    """The running mean of the last ``smoothing`` rounds at each round (fewer at the start)."""
    curve = np.asarray(curve, dtype=np.float64)
    window = max(1, int(smoothing))
    sums = np.cumsum(np.r_[0.0, curve])
    ends = np.arange(1, len(curve) + 1)
    starts = np.maximum(0, ends - window)
    return (sums[ends] - sums[starts]) / (ends - starts)


def best_round(curve: np.ndarray, *, min_rounds: int = 0, smoothing: int = 1) -> int:
    """The round (1-based) to keep: the best smoothed score at or after ``min_rounds``.

    >>> best_round(np.array([0.5, 0.1, 0.2, 0.3, 0.2]), min_rounds=2)
    4
    >>> best_round(np.array([0.5, 0.1, 0.2, 0.3, 0.2]))
    1
    """
    curve = np.asarray(curve, dtype=np.float64)
    if len(curve) == 0:
        return max(1, min_rounds)
    first = min(max(min_rounds, 1), len(curve)) - 1
    scores = smoothed(curve, smoothing)[first:]
    return first + int(np.argmax(np.where(np.isnan(scores), -np.inf, scores))) + 1


def should_stop(curve: list[float] | np.ndarray, *, patience: int, min_rounds: int = 0, smoothing: int = 1) -> bool:
    """True once ``patience`` rounds have passed since :func:`best_round` (and ``min_rounds`` are done)."""
    done = len(curve)
    if done < max(min_rounds, 1):
        return False
    return done - best_round(np.asarray(curve), min_rounds=min_rounds, smoothing=smoothing) >= patience


__all__ = ["MIN_NAMES", "STOPPING_METRICS", "ValidationScorer", "best_round", "mean_loss", "should_stop", "smoothed"]
