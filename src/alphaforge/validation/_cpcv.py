"""Combinatorial purged cross-validation (CPCV) and its backtest paths."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from alphaforge.errors import InputError
from alphaforge.validation._base import EmbargoLike, PurgedSplitter, SplitIterator, check_positive_int, time_groups


class CombinatorialPurgedKFold(PurgedSplitter):
    """CPCV: every choice of ``n_test_groups`` of ``n_groups`` time blocks is one test set.

    The distinct sample times are cut into ``n_groups`` contiguous groups. There are
    C(N, k) splits (combinations in lexicographic order); each tests k groups and trains on the
    rest, purged against and embargoed after *each* test group separately. Every group is
    tested in C(N-1, k-1) splits, so the out-of-sample predictions assemble into
    k * C(N, k) / N complete backtest paths (:meth:`path_splits`, :meth:`backtest_paths`).
    Spans go in ``groups``.

    >>> cv = CombinatorialPurgedKFold(n_groups=6, n_test_groups=2)
    >>> cv.get_n_splits(), cv.n_paths
    (15, 5)
    """

    def __init__(self, n_groups: int = 6, n_test_groups: int = 2, embargo: EmbargoLike = 0,
                 overlap: str = "closed") -> None:
        super().__init__(embargo, overlap)
        self.n_groups = check_positive_int(n_groups, "n_groups", 2)
        self.n_test_groups = check_positive_int(n_test_groups, "n_test_groups", 1)
        if self.n_test_groups >= self.n_groups:
            raise InputError(f"n_test_groups={n_test_groups} must be below n_groups={n_groups}",
                             where="n_test_groups", fix="leave at least one group for training")

    def get_n_splits(self, X: object = None, y: object = None, groups: object = None) -> int:
        """C(n_groups, n_test_groups)."""
        return math.comb(self.n_groups, self.n_test_groups)

    @property
    def n_paths(self) -> int:
        """Number of backtest paths: k * C(N, k) / N = C(N-1, k-1)."""
        return math.comb(self.n_groups - 1, self.n_test_groups - 1)

    def test_groups(self) -> list[tuple[int, ...]]:
        """The test groups of each split, in split order."""
        return list(itertools.combinations(range(self.n_groups), self.n_test_groups))

    def path_splits(self) -> np.ndarray:
        """Array (n_paths, n_groups): which split's predictions fill group g of path p.

        The j-th split (in split order) that tests group g feeds path j, so each path takes
        every group exactly once, from a split that did not train on it.
        """
        table = np.empty((self.n_paths, self.n_groups), dtype=int)
        seen = np.zeros(self.n_groups, dtype=int)
        for split, groups in enumerate(self.test_groups()):
            for group in groups:
                table[seen[group], group] = split
                seen[group] += 1
        return table

    def split(self, X: object, y: object = None, groups: object = None) -> SplitIterator:
        """Yield (train, test) row positions for each combination of test groups."""
        spans = self._spans(X, groups)
        grid, group = time_groups(spans, self.n_groups, "groups")
        for chosen in self.test_groups():
            blocks = [np.flatnonzero(group == g) for g in chosen]
            test = np.isin(group, chosen)
            yield self._purged_train(spans, grid, ~test, blocks), np.flatnonzero(test)

    def backtest_paths(self, X: object, groups: object, predictions: Sequence[np.ndarray]) -> np.ndarray:
        """Assemble per-split test predictions into paths: array (n_paths, n_samples).

        ``predictions[s]`` holds split s's predictions for its test rows, in the order
        :meth:`split` yielded them. Row r of path p is the prediction for sample r from the
        split that :meth:`path_splits` assigns to r's group.
        """
        spans = self._spans(X, groups)
        if len(predictions) != self.get_n_splits():
            raise InputError(f"{len(predictions)} prediction arrays for {self.get_n_splits()} splits",
                             where="backtest_paths", fix="pass one array per split, in split order")
        _, group = time_groups(spans, self.n_groups, "groups")
        by_split = np.full((self.get_n_splits(), len(spans)), np.nan)
        for s, (chosen, values) in enumerate(zip(self.test_groups(), predictions, strict=True)):
            test = np.flatnonzero(np.isin(group, chosen))  # split()'s test rows, without its purging
            if len(values) != len(test):
                raise InputError(f"split {s} has {len(test)} test rows but {len(values)} predictions",
                                 where="backtest_paths", fix="pass the predictions for exactly the test rows")
            by_split[s, test] = values
        return by_split[self.path_splits()[:, group], np.arange(len(spans))]
