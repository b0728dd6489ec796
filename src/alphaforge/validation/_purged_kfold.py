"""Purged k-fold with embargo."""

from __future__ import annotations

import numpy as np

from alphaforge.validation._base import EmbargoLike, PurgedSplitter, SplitIterator, check_positive_int, time_groups


class PurgedKFold(PurgedSplitter):
    """K-fold over contiguous blocks of time, purged and embargoed.

    The distinct sample times are cut into ``n_splits`` contiguous blocks; each block's samples
    (all symbols) are one test fold, so the test folds partition the samples. Training takes
    every other sample whose label span does not overlap the test block and whose t0 is not
    in the embargo after it (see :mod:`alphaforge.validation._base` for the conventions).
    Spans go in ``groups``: ``split(X, y, groups=LabelSpans...)``.

    >>> from alphaforge.validation import LabelSpans
    >>> spans = LabelSpans.from_arrays(np.arange(10), np.arange(10) + 2)
    >>> [test.tolist() for _, test in PurgedKFold(2).split(np.zeros(10), groups=spans)]
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    >>> [train.tolist() for train, _ in PurgedKFold(2, embargo=1).split(np.zeros(10), groups=spans)]
    [[8, 9], [0, 1, 2]]
    """

    def __init__(self, n_splits: int = 5, embargo: EmbargoLike = 0, overlap: str = "closed") -> None:
        super().__init__(embargo, overlap)
        self.n_splits = check_positive_int(n_splits, "n_splits", 2)

    def get_n_splits(self, X: object = None, y: object = None, groups: object = None) -> int:
        """Number of folds."""
        return self.n_splits

    def split(self, X: object, y: object = None, groups: object = None) -> SplitIterator:
        """Yield (train, test) row positions for each fold; ``groups`` holds the label spans."""
        spans = self._spans(X, groups)
        grid, fold = time_groups(spans, self.n_splits, "folds")
        for k in range(self.n_splits):
            test = fold == k
            yield self._purged_train(spans, grid, ~test, [np.flatnonzero(test)]), np.flatnonzero(test)
