"""Our splitters and statistics against independent open-source implementations.

References (test-only dependencies): ``purgedcv`` (MIT) for purged k-fold, CPCV, PSR and
PBO; ``skfolio`` (BSD-3) for PSR and DSR. Convention differences, checked explicitly below:

- purgedcv treats label spans as half-open [t0, t1); ours default to closed [t0, t1], so we
  compare with ``overlap="half_open"``. It purges against the union of the test spans, we
  against their hull per block; on bar data (each label reaching at least the next bar) the
  two are the same.
- purgedcv's duration embargo drops training samples with t0 in [t1_test, t1_test + embargo]
  (closed), ours (max t1_test, max t1_test + embargo]; under half-open purging the only
  difference is a sample starting exactly at the test block's last t1, which purgedcv drops.
  Its count embargo counts rows after the test block's last row; ours counts distinct times
  after the block's last t1 (later, so ours is stricter).
- purgedcv's PSR uses std with ddof=0 and bias-corrected skewness/kurtosis; ours (and
  skfolio's) ddof=1 and biased moments, so against purgedcv we compare the formula with its
  estimators, and against skfolio the full functions.
- PBO: purgedcv counts logit < 0 as overfit, ours logit <= 0 (the in-sample winner landing
  exactly on the out-of-sample median counts against it); with an even number of
  configurations and no ties both agree.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alphaforge.validation import (
    CombinatorialPurgedKFold,
    LabelSpans,
    PurgedKFold,
    deflated_sharpe_ratio,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
    psr_from_moments,
)

Spans = tuple[pd.Series, pd.Series]


@pytest.fixture(name="purgedcv")
def purgedcv_module() -> ModuleType:
    return pytest.importorskip("purgedcv")


@pytest.fixture(name="skfolio_measures")
def skfolio_measures_module() -> ModuleType:
    return pytest.importorskip("skfolio.measures")


@pytest.fixture
def bar_spans() -> Spans:
    rng = np.random.default_rng(0)
    t0 = pd.Series(pd.date_range("2024-01-01", periods=97, freq="h"))
    t1 = t0 + pd.to_timedelta(rng.integers(1, 6, len(t0)), unit="h")
    return t0, t1


def as_lists(splits: object) -> list[tuple[list[int], list[int]]]:
    return [(list(map(int, train)), list(map(int, test))) for train, test in splits]


def test_purged_kfold_matches_purgedcv_under_half_open_spans(bar_spans: Spans, purgedcv: ModuleType) -> None:
    t0, t1 = bar_spans
    X = np.zeros((len(t0), 1))
    theirs = purgedcv.PurgedKFold(5, prediction_times=t0, evaluation_times=t1).split(X)
    ours = PurgedKFold(5, overlap="half_open").split(X, groups=LabelSpans.from_arrays(t0, t1))
    assert as_lists(ours) == as_lists(theirs)


def test_duration_embargo_differs_from_purgedcv_only_at_the_block_end(bar_spans: Spans, purgedcv: ModuleType) -> None:
    t0, t1 = bar_spans
    X = np.zeros((len(t0), 1))
    embargo = pd.Timedelta(hours=3)
    theirs = as_lists(purgedcv.PurgedKFold(5, prediction_times=t0, evaluation_times=t1, embargo=embargo).split(X))
    spans = LabelSpans.from_arrays(t0, t1)
    ours = as_lists(PurgedKFold(5, embargo=embargo, overlap="half_open").split(X, groups=spans))
    for (our_train, test), (their_train, their_test) in zip(ours, theirs, strict=True):
        assert test == their_test
        at_block_end = [i for i in our_train if t0[i] == t1[test].max()]
        assert sorted(set(our_train) - set(at_block_end)) == their_train


def test_cpcv_matches_purgedcv(bar_spans: Spans, purgedcv: ModuleType) -> None:
    t0, t1 = bar_spans
    X = np.zeros((len(t0), 1))
    theirs = as_lists(purgedcv.CombinatorialPurgedCV(6, 2, prediction_times=t0, evaluation_times=t1).split(X))
    ours = CombinatorialPurgedKFold(6, 2, overlap="half_open")
    spans = LabelSpans.from_arrays(t0, t1)
    assert sorted(as_lists(ours.split(X, groups=spans))) == sorted(theirs)
    tests = [test for _, test in ours.split(X, groups=spans)]
    predictions = [np.full(len(test), float(split)) for split, test in enumerate(tests)]  # which split filled it
    paths = ours.backtest_paths(X, spans, predictions)
    assert paths.shape == (5, len(t0))
    np.testing.assert_array_equal(paths, purgedcv.reconstruct_paths(predictions, tests, 6, 2, len(t0)))


def test_psr_and_dsr_match_skfolio(skfolio_measures: ModuleType) -> None:
    rng = np.random.default_rng(2)
    returns = rng.standard_t(5, 750) * 0.01 + 0.0008
    trials = rng.normal(0.0, 0.03, 40)
    assert probabilistic_sharpe_ratio(returns, 0.01) == pytest.approx(
        skfolio_measures.probabilistic_sharpe_ratio(returns, benchmark_sharpe_ratio=0.01), rel=1e-10)
    assert deflated_sharpe_ratio(returns, trials) == pytest.approx(
        skfolio_measures.deflated_sharpe_ratio(returns, trials), rel=1e-10)


def test_psr_formula_matches_purgedcv_with_its_estimators(purgedcv: ModuleType) -> None:
    rng = np.random.default_rng(3)
    returns = rng.standard_t(4, 500) * 0.01 + 0.001
    sharpe = returns.mean() / returns.std(ddof=0)
    ours = psr_from_moments(sharpe, len(returns), stats.skew(returns, bias=False),
                            stats.kurtosis(returns, fisher=False, bias=False), benchmark=0.02)
    assert ours == pytest.approx(purgedcv.probabilistic_sharpe_ratio(returns, 0.02), rel=1e-10)
    assert probabilistic_sharpe_ratio(returns, 0.02) == pytest.approx(ours, abs=0.01)


def test_pbo_matches_purgedcv(purgedcv: ModuleType) -> None:
    rng = np.random.default_rng(4)
    returns = rng.normal(0, 1, (600, 10))
    returns[:, 2] += 0.05
    ours = probability_of_backtest_overfitting(returns, n_blocks=8)
    theirs = purgedcv.probability_of_backtest_overfitting(returns.T, n_splits=8)
    assert ours.pbo == pytest.approx(theirs.pbo)
    np.testing.assert_allclose(np.sort(ours.logits), np.sort(theirs.logits))
