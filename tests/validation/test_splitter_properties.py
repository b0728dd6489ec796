"""Hypothesis properties every splitter must keep on random label spans of a random panel.

The checks are written independently of the implementation: pairwise span overlap, the
embargo window rebuilt from the distinct times, partition and ordering properties.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from alphaforge.validation import CombinatorialPurgedKFold, LabelSpans, PurgedKFold, WalkForward


@st.composite
def panels(draw: st.DrawFn) -> LabelSpans:
    """Spans of 1-3 symbols on a shared clock (hours, as integers or datetimes), rows by symbol then time."""
    n_symbols = draw(st.integers(1, 3))
    n_times = draw(st.integers(12, 40))
    t0, t1, symbols = [], [], []
    for symbol in range(n_symbols):
        times = sorted(draw(st.sets(st.integers(0, 3 * n_times), min_size=n_times // 2, max_size=n_times)))
        lengths = draw(st.lists(st.integers(0, 8), min_size=len(times), max_size=len(times)))
        t0 += times
        t1 += [t + h for t, h in zip(times, lengths, strict=True)]
        symbols += [f"S{symbol}"] * len(times)
    if draw(st.booleans()):
        return LabelSpans.from_arrays(np.array(t0), np.array(t1), symbols)
    epoch = np.datetime64("2024-01-01T00", "h")
    return LabelSpans.from_arrays(epoch + np.array(t0), epoch + np.array(t1), symbols)


embargoes = st.one_of(st.integers(0, 4), st.sampled_from([0.0, 0.05, 0.2]),
                      st.integers(0, 5).map(lambda hours: pd.Timedelta(hours=hours)))


def usable(spans: LabelSpans, embargo: object) -> bool:
    """Durations need datetime spans."""
    return spans.is_datetime or not isinstance(embargo, pd.Timedelta)
overlaps = st.sampled_from(["closed", "half_open"])


def pairwise_overlap(spans: LabelSpans, train: np.ndarray, test: np.ndarray, overlap: str) -> bool:
    a0, a1 = spans.t0[train][:, None], spans.t1[train][:, None]
    b0, b1 = spans.t0[test][None, :], spans.t1[test][None, :]
    if overlap == "closed":
        return bool(((a0 <= b1) & (b0 <= a1)).any())
    return bool(((a0 < b1) & (b0 < a1)).any())


def embargoed_times(spans: LabelSpans, block: np.ndarray, embargo: object) -> np.ndarray:
    """The distinct times an embargo after ``block`` covers, rebuilt by counting or by clock."""
    times = np.unique(spans.t0)
    after = times[times > spans.t1[block].max()]
    if isinstance(embargo, pd.Timedelta):
        return after[after <= spans.t1[block].max() + embargo.value]
    return after[:embargo if isinstance(embargo, int) else math.ceil(embargo * len(times))]


def check_split(spans: LabelSpans, train: np.ndarray, test: np.ndarray, blocks: list[np.ndarray],
                embargo: object, overlap: str) -> None:
    assert len(np.intersect1d(train, test)) == 0
    assert np.array_equal(train, np.unique(train)) and np.array_equal(test, np.unique(test))
    assert not pairwise_overlap(spans, train, test, overlap)
    for block in blocks:
        assert not np.isin(spans.t0[train], embargoed_times(spans, block, embargo)).any()


@settings(max_examples=60, deadline=None)
@given(spans=panels(), n_splits=st.integers(2, 5), embargo=embargoes, overlap=overlaps)
def test_purged_kfold(spans: LabelSpans, n_splits: int, embargo: object, overlap: str) -> None:
    assume(usable(spans, embargo))
    cv = PurgedKFold(n_splits, embargo=embargo, overlap=overlap)
    splits = list(cv.split(np.zeros(len(spans)), groups=spans))
    assert len(splits) == cv.get_n_splits() == n_splits
    tests = [test for _, test in splits]
    assert np.array_equal(np.sort(np.concatenate(tests)), np.arange(len(spans)))
    for train, test in splits:
        check_split(spans, train, test, [test], embargo, overlap)
        at_test_times = np.isin(spans.t0, spans.t0[test])
        assert at_test_times[test].all() and not at_test_times[train].any()  # all symbols together


@settings(max_examples=60, deadline=None)
@given(spans=panels(), n_splits=st.integers(1, 4), test_size=st.integers(1, 4),
       train_size=st.one_of(st.none(), st.integers(2, 10)), embargo=embargoes, overlap=overlaps)
def test_walk_forward(spans: LabelSpans, n_splits: int, test_size: int, train_size: int | None,
                      embargo: object, overlap: str) -> None:
    assume(usable(spans, embargo))
    cv = WalkForward(n_splits, test_size=test_size, train_size=train_size, embargo=embargo, overlap=overlap)
    times = np.unique(spans.t0)
    assume(len(times) > n_splits * test_size)
    splits = list(cv.split(np.zeros(len(spans)), groups=spans))
    assert len(splits) == n_splits
    previous_end = -np.inf
    for train, test in splits:
        check_split(spans, train, test, [test], embargo, overlap)
        start = spans.t0[test].min()
        assert start > previous_end
        previous_end = spans.t0[test].max()
        assert len(np.unique(spans.t0[test])) == test_size
        if len(train):
            last_label = spans.t1[train].max()
            assert last_label < start if overlap == "closed" else last_label <= start
            if isinstance(embargo, pd.Timedelta):
                assert spans.t0[train].max() < start - embargo.value
            else:
                gap = embargo if isinstance(embargo, int) else math.ceil(embargo * len(times))
                before = times[times < start]
                assert spans.t0[train].max() < (before[-gap] if gap else np.inf)
            if train_size is not None:
                assert len(np.unique(spans.t0[train])) <= train_size


@settings(max_examples=60, deadline=None)
@given(spans=panels(), n_groups=st.integers(2, 6), data=st.data(), embargo=embargoes, overlap=overlaps)
def test_combinatorial_purged(spans: LabelSpans, n_groups: int, data: st.DataObject,
                              embargo: object, overlap: str) -> None:
    assume(usable(spans, embargo))
    k = data.draw(st.integers(1, n_groups - 1))
    cv = CombinatorialPurgedKFold(n_groups, k, embargo=embargo, overlap=overlap)
    splits = list(cv.split(np.zeros(len(spans)), groups=spans))
    assert len(splits) == math.comb(n_groups, k) == cv.get_n_splits()
    assert cv.n_paths * n_groups == k * math.comb(n_groups, k)
    times = np.unique(spans.t0)
    group_of_time = np.concatenate([np.full(len(part), g) for g, part in enumerate(np.array_split(times, n_groups))])
    group = group_of_time[np.searchsorted(times, spans.t0)]
    tested = np.zeros(len(spans), dtype=int)
    for (train, test), chosen in zip(splits, cv.test_groups(), strict=True):
        assert np.array_equal(test, np.flatnonzero(np.isin(group, chosen)))
        check_split(spans, train, test, [np.flatnonzero(group == g) for g in chosen], embargo, overlap)
        tested[test] += 1
    assert (tested == math.comb(n_groups - 1, k - 1)).all()
    paths = cv.path_splits()
    assert paths.shape == (cv.n_paths, n_groups)
    for path in paths:
        assert all(g in cv.test_groups()[split] for g, split in enumerate(path))
