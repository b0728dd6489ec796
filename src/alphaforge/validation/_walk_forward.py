"""Walk-forward splits: train on the past, test on the next window, roll forward."""

from __future__ import annotations

import numpy as np

from alphaforge.errors import InputError
from alphaforge.validation._base import (
    EmbargoLike,
    PurgedSplitter,
    SplitIterator,
    check_positive_int,
    embargo_duration_ns,
    embargo_in_bars,
)


class WalkForward(PurgedSplitter):
    """Walk-forward validation, the default for time series.

    The last ``n_splits * test_size`` distinct sample times form ``n_splits`` consecutive test
    windows of ``test_size`` times each (default: the times split into ``n_splits + 1`` equal
    parts, the first kept for training only). Each training set is the times before its test
    window: all of them (``train_size=None``, expanding) or the last ``train_size`` (rolling).

    With ``purge=True`` (default) training samples whose label span overlaps the test window
    are dropped (so every training label is known before the first test sample starts, under
    the overlap rule). The embargo here is a gap *before* each test window: training samples
    with t0 in the last ``embargo`` (bars, fraction of times or duration) before the window
    are dropped as well. ``purge=False`` exists to measure how much purging matters; it leaks.
    Spans go in ``groups``.

    >>> from alphaforge.validation import LabelSpans
    >>> spans = LabelSpans.from_arrays(np.arange(10), np.arange(10) + 2)
    >>> [(tr.tolist(), te.tolist()) for tr, te in WalkForward(2, test_size=3).split(np.zeros(10), groups=spans)]
    [([0, 1], [4, 5, 6]), ([0, 1, 2, 3, 4], [7, 8, 9])]
    """

    def __init__(self, n_splits: int = 5, test_size: int | None = None, train_size: int | None = None,
                 embargo: EmbargoLike = 0, purge: bool = True, overlap: str = "closed") -> None:
        super().__init__(embargo, overlap)
        self.n_splits = check_positive_int(n_splits, "n_splits", 1)
        self.test_size = None if test_size is None else check_positive_int(test_size, "test_size", 1)
        self.train_size = None if train_size is None else check_positive_int(train_size, "train_size", 1)
        self.purge = bool(purge)

    def get_n_splits(self, X: object = None, y: object = None, groups: object = None) -> int:
        """Number of test windows."""
        return self.n_splits

    def split(self, X: object, y: object = None, groups: object = None) -> SplitIterator:
        """Yield (train, test) row positions per window, oldest first."""
        spans = self._spans(X, groups)
        grid = np.unique(spans.t0)
        position = np.searchsorted(grid, spans.t0)
        test_size = self.test_size or len(grid) // (self.n_splits + 1)
        first_test = len(grid) - self.n_splits * test_size
        if test_size < 1 or first_test < 1:
            raise InputError(f"{len(grid)} distinct sample times cannot make {self.n_splits} test windows "
                             f"of {test_size} after some training data", where="WalkForward",
                             fix="lower n_splits or test_size, or use more data")
        gap_bars = embargo_in_bars(self.embargo, len(grid))
        for k in range(self.n_splits):
            start = first_test + k * test_size
            test = (position >= start) & (position < start + test_size)
            train_start = 0 if self.train_size is None else max(0, start - self.train_size)
            train = (position >= train_start) & (position < start)
            if gap_bars is None:
                train &= spans.t0 < grid[start] - embargo_duration_ns(self.embargo, spans)
            else:
                train &= position < start - gap_bars
            test_rows = np.flatnonzero(test)
            if self.purge:
                yield self._purged_train(spans, grid, train, [test_rows]), test_rows
            else:
                yield np.flatnonzero(train), test_rows
