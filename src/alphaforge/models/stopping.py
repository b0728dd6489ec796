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
Rounds before :func:`first_counted_round` enter no smoothed score that can be kept: a family
may leave them unscored (NaN), as scoring a round is most of what early stopping costs.
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
        # what every NaN-free output shares: the cells its ranks are defined on (rows of the grid
        # at timestamps with two or more of them) and the label side of each timestamp's IC
        ranked = ~np.isnan(rank_table(np.zeros(len(self.labels)), grid))
        both = ranked & ~np.isnan(labels)
        label_part = np.where(both, labels, 0.0)
        object.__setattr__(self, "_whole", _WholeOutput(ranked, ranked.sum(axis=1, keepdims=True), both, label_part,
                                                        (label_part ** 2).sum(axis=1),
                                                        both.sum(axis=1) >= MIN_NAMES))

    @property
    def metric(self) -> str:
        """``ic`` or ``loss``: what the score measures."""
        return "ic" if hasattr(self, "_grid") else "loss"

    def __call__(self, output: np.ndarray) -> float:
        output = np.asarray(output, dtype=np.float64)
        if self.metric == "loss":
            return -mean_loss(self.task, output, self.labels, self.weights)
        table = rank_table(output, self._grid)  # type: ignore[attr-defined]
        return self._whole_ic(table) if not np.isnan(output).any() else self._any_ic(table)

    def _whole_ic(self, table: np.ndarray) -> float:
        """The mean IC of the rank ``table`` of an output without NaN (every round of a boosted
        model), with the masks and label sums worked out once: :meth:`_any_ic`'s bits, faster."""
        whole: _WholeOutput = self._whole  # type: ignore[attr-defined]
        ranks = np.where(whole.both, _centred(table, whole.ranked, whole.ranked_count), 0.0)
        return _mean_ic(ranks, whole.labels, (ranks ** 2).sum(axis=1) * whole.label_squares, whole.counted)

    def _any_ic(self, table: np.ndarray) -> float:
        """The mean IC of the rank ``table`` of any output."""
        ranks = _centred(table)
        labels = self._label_ranks  # type: ignore[attr-defined]
        both = ~(np.isnan(ranks) | self._label_unknown)  # type: ignore[attr-defined]
        ranks, labels = np.where(both, ranks, 0.0), np.where(both, labels, 0.0)
        return _mean_ic(ranks, labels, (ranks ** 2).sum(axis=1) * (labels ** 2).sum(axis=1),
                        both.sum(axis=1) >= MIN_NAMES)


@dataclass(frozen=True)
class _WholeOutput:
    """What a :class:`ValidationScorer` knows before it sees an output without NaN: the cells
    whose ranks are defined and how many there are per timestamp, the cells that also have a
    label, the centred label ranks there (0 elsewhere), their sum of squares per timestamp, and
    the timestamps with enough names to count."""

    ranked: np.ndarray
    ranked_count: np.ndarray
    both: np.ndarray
    labels: np.ndarray
    label_squares: np.ndarray
    counted: np.ndarray


def _mean_ic(ranks: np.ndarray, labels: np.ndarray, squares: np.ndarray, counted: np.ndarray) -> float:
    """The mean over counted timestamps of the correlation of centred ranks (0 off the cells
    compared) with ``squares`` the product of their sums of squares; 0 where a side is constant."""
    numerator = (ranks * labels).sum(axis=1)
    denominator = np.sqrt(squares)
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


def _centred(table: np.ndarray, known: np.ndarray | None = None, counts: np.ndarray | None = None) -> np.ndarray:
    """Each row of a (group x member) table minus its mean over the known members (NaN where
    none is known): ``np.nanmean``'s sum and count, without its copies and checks. ``known``
    (the table's non-NaN cells) and ``counts`` (their number per row) when the caller has them."""
    known = ~np.isnan(table) if known is None else known
    counts = known.sum(axis=1, keepdims=True) if counts is None else counts
    with np.errstate(invalid="ignore", divide="ignore"):
        return table - np.where(known, table, 0.0).sum(axis=1, keepdims=True) / counts


def smoothed(curve: np.ndarray, smoothing: int) -> np.ndarray:
    """The running mean of the last ``smoothing`` rounds at each round (fewer at the start): each
    round's from the rounds of its window alone, summed in an order fixed by the window, never
    as a difference of running sums, which would carry rounding (and an unscored round's NaN)
    from every earlier round."""
    curve = np.asarray(curve, dtype=np.float64)
    window = max(1, int(smoothing))
    padded = np.concatenate([np.zeros(window - 1), curve])  # the short windows at the start: + 0.0 is exact
    sums = np.lib.stride_tricks.sliding_window_view(padded, window).sum(axis=1)
    return sums / np.minimum(np.arange(1, len(curve) + 1), window)


def first_counted_round(min_rounds: int, smoothing: int) -> int:
    """The first round (1-based) whose score enters the smoothed score of a round that can be
    kept (one at or after ``min_rounds``); earlier rounds' scores change nothing.

    >>> first_counted_round(100, 10), first_counted_round(0, 10)
    (91, 1)
    """
    return max(1, int(min_rounds) - max(1, int(smoothing)) + 1)


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


__all__ = ["MIN_NAMES", "STOPPING_METRICS", "ValidationScorer", "best_round", "first_counted_round", "mean_loss",
           "should_stop", "smoothed"]
