"""Small worked cases: embargo units, panels, scikit-learn interoperability, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score

from alphaforge.errors import InputError
from alphaforge.validation import CombinatorialPurgedKFold, LabelSpans, PurgedKFold, WalkForward

HOUR = pd.Timedelta(hours=1)


def hourly_spans(n: int, horizon: int = 2, symbols: tuple[str, ...] = ("A",)) -> LabelSpans:
    """Spans of ``n`` hourly bars per symbol, rows ordered by symbol then time."""
    t0 = pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC")
    frame = pd.concat([pd.DataFrame({"symbol": s, "timestamp": t0, "t1": t0 + horizon * HOUR}) for s in symbols])
    return LabelSpans.from_frame(frame, t1="t1")


def splits_of(cv: object, spans: LabelSpans) -> list[tuple[list[int], list[int]]]:
    return [(train.tolist(), test.tolist()) for train, test in cv.split(np.zeros(len(spans)), groups=spans)]


def test_closed_overlap_purges_a_label_ending_where_the_test_starts() -> None:
    spans = LabelSpans.from_arrays([0, 1, 2, 3], [1, 2, 3, 4])
    assert splits_of(PurgedKFold(2), spans)[1][0] == [0]
    assert splits_of(PurgedKFold(2, overlap="half_open"), spans)[1][0] == [0, 1]


@pytest.mark.parametrize(("embargo", "train"), [(0, [6, 7, 8, 9]), (2, [8, 9]), (np.int64(2), [8, 9]), (0.2, [8, 9]),
                                                ("2h", [8, 9]), (pd.Timedelta(minutes=90), [7, 8, 9])])
def test_embargo_as_bars_fraction_or_duration(embargo: object, train: list[int]) -> None:
    spans = hourly_spans(10, horizon=1)
    assert splits_of(PurgedKFold(2, embargo=embargo), spans)[0] == (train, [0, 1, 2, 3, 4])


def test_duration_embargo_needs_datetime_spans() -> None:
    spans = LabelSpans.from_arrays(np.arange(10), np.arange(10) + 1)
    with pytest.raises(InputError, match="datetime"):
        splits_of(PurgedKFold(2, embargo="1h"), spans)


def test_panel_folds_hold_every_symbol_at_their_times_and_purge_across_symbols() -> None:
    spans = hourly_spans(6, horizon=1, symbols=("A", "B"))
    (train, test), _ = splits_of(PurgedKFold(2), spans)
    assert test == [0, 1, 2, 6, 7, 8]
    assert train == [4, 5, 10, 11]  # 03:00 of both symbols is purged: its label starts at the test's end


def test_walk_forward_expanding_rolling_and_gap() -> None:
    spans = LabelSpans.from_arrays(np.arange(12), np.arange(12) + 1)
    assert splits_of(WalkForward(2, test_size=3), spans) == [([0, 1, 2, 3, 4], [6, 7, 8]),
                                                             ([0, 1, 2, 3, 4, 5, 6, 7], [9, 10, 11])]
    assert splits_of(WalkForward(2, test_size=3, train_size=4), spans)[1][0] == [5, 6, 7]
    assert splits_of(WalkForward(2, test_size=3, embargo=2), spans)[1][0] == [0, 1, 2, 3, 4, 5, 6]
    assert splits_of(WalkForward(2, test_size=3, purge=False), spans)[1][0] == list(range(9))


def test_walk_forward_default_test_size_splits_times_evenly() -> None:
    spans = LabelSpans.from_arrays(np.arange(12), np.arange(12))
    assert [test for _, test in splits_of(WalkForward(3), spans)] == [[3, 4, 5], [6, 7, 8], [9, 10, 11]]


def test_cpcv_paths_collect_each_samples_prediction_once_per_path() -> None:
    spans = LabelSpans.from_arrays(np.arange(30), np.arange(30) + 1)
    cv = CombinatorialPurgedKFold(5, 2)
    predictions = [test * 10.0 + split for split, (_, test) in enumerate(cv.split(np.zeros(30), groups=spans))]
    paths = cv.backtest_paths(np.zeros(30), spans, predictions)
    assert paths.shape == (4, 30)
    assert np.array_equal(np.floor(paths / 10), np.tile(np.arange(30), (4, 1)))
    for p, path in enumerate(paths):
        source = np.round(path % 10).astype(int)
        assert all(set(source[g * 6:(g + 1) * 6]) == {cv.path_splits()[p, g]} for g in range(5))


def test_splitters_plug_into_scikit_learn_with_spans_as_groups() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 2)), rng.normal(size=60)
    spans = LabelSpans.from_arrays(np.arange(60), np.arange(60) + 3)
    for cv in (PurgedKFold(3, embargo=1), WalkForward(3), CombinatorialPurgedKFold(4, 2)):
        scores = cross_val_score(LinearRegression(), X, y, cv=cv, groups=spans)
        assert len(scores) == cv.get_n_splits()


def test_a_t1_series_indexed_by_t0_is_accepted_as_groups() -> None:
    t0 = pd.date_range("2024-01-01", periods=8, freq="h")
    series = pd.Series(t0 + HOUR, index=t0)
    spans = LabelSpans.from_arrays(t0, t0 + HOUR)
    X = np.zeros(8)
    from_series, from_spans = PurgedKFold(2).split(X, groups=series), PurgedKFold(2).split(X, groups=spans)
    for (a, b), (c, d) in zip(from_series, from_spans, strict=True):
        assert np.array_equal(a, c) and np.array_equal(b, d)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: PurgedKFold(1), "n_splits"),
    (lambda: PurgedKFold(3, embargo=-1), "negative"),
    (lambda: PurgedKFold(3, embargo=1.5), "fraction"),
    (lambda: PurgedKFold(3, embargo="soon"), "duration"),
    (lambda: PurgedKFold(3, overlap="open"), "overlap"),
    (lambda: CombinatorialPurgedKFold(4, 4), "n_test_groups"),
    (lambda: WalkForward(2, test_size=0), "test_size"),
])
def test_bad_hyperparameters_fail_at_construction(make: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        make()


def test_bad_spans_are_explained() -> None:
    X = np.zeros(4)
    with pytest.raises(InputError, match="groups=LabelSpans"):
        next(PurgedKFold(2).split(X))
    with pytest.raises(InputError, match="3 label spans for 4 samples"):
        next(PurgedKFold(2).split(X, groups=LabelSpans.from_arrays([0, 1, 2], [1, 2, 3])))
    with pytest.raises(InputError, match="t1 is before t0"):
        LabelSpans.from_arrays([0, 5], [1, 2])
    with pytest.raises(InputError, match="missing"):
        LabelSpans.from_arrays(pd.to_datetime(["2024-01-01", None]), pd.to_datetime(["2024-01-02", "2024-01-02"]))
    with pytest.raises(InputError, match="cannot make 5 test windows"):
        next(WalkForward(5, test_size=2).split(X, groups=LabelSpans.from_arrays([0, 1, 2, 3], [0, 1, 2, 3])))


def test_repr_shows_the_hyperparameters() -> None:
    assert repr(PurgedKFold(3, embargo=2)) == "PurgedKFold(n_splits=3, embargo=2, overlap='closed')"
