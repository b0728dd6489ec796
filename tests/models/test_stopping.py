"""Early stopping on the metric of the task, with a minimum of rounds and a smoothed curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from alphaforge.features.cross_sectional import rank_table
from alphaforge.models import make_model
from alphaforge.models.stopping import ValidationScorer, best_round, first_counted_round, should_stop, smoothed


@pytest.mark.parametrize(("times", "names", "decimals"), [(30, 7, 6), (400, 6, 6), (400, 6, 1)])
def test_the_ic_scorer_is_the_mean_spearman_per_group(times: int, names: int, decimals: int):
    """Few timestamps rank by sorting, many by counting; rounded values have ties."""
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(times), names)
    labels, output = (np.round(rng.normal(size=times * names), decimals) for _ in range(2))
    expected = np.mean([np.nan_to_num(spearmanr(output[groups == g], labels[groups == g]).statistic)
                        for g in range(times)])
    scorer = ValidationScorer("regression", labels, groups=groups)
    assert scorer.metric == "ic"
    assert scorer(output) == pytest.approx(expected, abs=1e-12)


def test_a_constant_output_shows_no_ranking():
    groups = np.repeat(np.arange(5), 4)
    scorer = ValidationScorer("regression", np.arange(20.0), groups=groups)
    assert scorer(np.zeros(20)) == 0.0


def test_without_groups_the_score_is_minus_the_loss():
    labels = np.array([0.0, 1.0, 2.0])
    scorer = ValidationScorer("regression", labels)
    assert scorer.metric == "loss" and scorer(labels + 1.0) == pytest.approx(-1.0)


def test_best_round_honours_the_minimum_and_the_smoothing():
    curve = np.array([0.9, 0.1, 0.1, 0.5, 0.52, 0.5, 0.5, 0.5])
    assert best_round(curve) == 1  # an early lucky round
    assert best_round(curve, min_rounds=3) == 5
    assert best_round(np.array([0.0, 1.0, 0.0, 0.6, 0.6, 0.6]), smoothing=3) == 6  # a lone spike loses to a plateau
    np.testing.assert_allclose(smoothed(np.array([1.0, 2.0, 3.0, 4.0]), 2), [1.0, 1.5, 2.5, 3.5])


def test_should_stop_waits_for_the_minimum_and_the_patience():
    curve = [1.0] + [0.0] * 20
    assert not should_stop(curve, patience=30)
    assert should_stop(curve, patience=20)
    assert not should_stop(curve, patience=5, min_rounds=25)


@settings(max_examples=80, deadline=None)
@given(curve=st.lists(st.floats(-1.0, 1.0), min_size=1, max_size=60), min_rounds=st.integers(0, 40),
       smoothing=st.integers(1, 12), earlier=st.one_of(st.floats(-1.0, 1.0), st.just(float("nan"))))
@example(curve=[0.1, 0.2, 0.3, 0.5, 0.4, 0.6, 0.2, 0.1], min_rounds=4, smoothing=2, earlier=float("nan"))
def test_rounds_before_the_first_counted_one_change_no_decision(curve, min_rounds, smoothing, earlier):
    """A smoothed score comes from its window's rounds alone (no running sum carrying an earlier
    round's rounding or NaN), so the rounds before :func:`first_counted_round` may go unscored."""
    first = first_counted_round(min_rounds, smoothing)
    unscored = np.array(curve)
    unscored[: first - 1] = earlier
    for patience in (1, 5):
        assert should_stop(unscored, patience=patience, min_rounds=min_rounds, smoothing=smoothing) == \
            should_stop(curve, patience=patience, min_rounds=min_rounds, smoothing=smoothing)
    assert best_round(unscored, min_rounds=min_rounds, smoothing=smoothing) == \
        best_round(np.array(curve), min_rounds=min_rounds, smoothing=smoothing)
    counted = smoothed(np.array(curve), smoothing)[first + smoothing - 2:]
    assert smoothed(unscored, smoothing)[first + smoothing - 2:].tobytes() == counted.tobytes()


def test_lightgbm_scores_from_the_first_counted_round_and_keeps_the_same_trees(monkeypatch):
    """Scoring a round's validation rows is most of what early stopping costs; the rounds that
    cannot decide are left unscored, and the model is the one scoring every round gives."""
    from alphaforge.models.base import ModelFamily

    X, y, groups = _noisy_panel(seed=5)
    train, valid = slice(0, 2000), slice(2000, None)
    scored: list[int] = []
    score = ValidationScorer.__call__
    monkeypatch.setattr(ValidationScorer, "__call__", lambda self, output: scored.append(1) or score(self, output))

    def fit():
        model = make_model("lightgbm", task="regression", params={"n_estimators": 200}, early_stopping_rounds=20,
                           min_rounds=40)
        return model.fit(X[train], y[train], eval_set=(X[valid], y[valid]), eval_groups=groups[valid])

    model = fit()
    rounds, first = len(model.validation_curve_), model.first_scored_round
    assert first == 39 and len(scored) == rounds - first + 1
    curve = np.array(model.validation_curve_)
    assert np.isnan(curve[: first - 1]).all() and np.isfinite(curve[first - 1:]).all()
    monkeypatch.setattr(ModelFamily, "first_scored_round", property(lambda self: 1))  # every round scored
    every = fit()
    assert every.validation_curve_[first - 1:] == model.validation_curve_[first - 1:]
    assert every.best_iteration_ == model.best_iteration_
    assert every.booster_.model_to_string() == model.booster_.model_to_string()


def _noisy_panel(seed: int = 0, days: int = 300, names: int = 10) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(days * names, 4)), columns=list("abcd"))
    y = 0.02 * X["a"].to_numpy() + rng.normal(size=days * names)  # a faint signal: stopping on noise is easy
    return X, y, np.repeat(np.arange(days), names)


@pytest.mark.parametrize("family", ["lightgbm", "xgboost"])
def test_boosting_keeps_at_least_min_rounds_and_records_the_ic_curve(family):
    X, y, groups = _noisy_panel()
    train, valid = slice(0, 2000), slice(2000, None)
    model = make_model(family, task="regression", params={"n_estimators": 300}, early_stopping_rounds=20,
                       min_rounds=60)
    model.fit(X[train], y[train], eval_set=(X[valid], y[valid]), eval_groups=groups[valid])
    assert model.best_iteration_ >= 60
    assert model.scorer_.metric == "ic" and len(model.validation_curve_) >= 60


def test_lightgbm_stopped_on_the_loss_alone_can_keep_very_few_trees():
    """Why the minimum exists (regression of the old default: 1-17 rounds per fold)."""
    X, y, _ = _noisy_panel(seed=3)
    model = make_model("lightgbm", task="regression", params={"n_estimators": 300}, early_stopping_rounds=20)
    model.fit(X[:2000], y[:2000], eval_set=(X[2000:], y[2000:]))
    floored = make_model("lightgbm", task="regression", params={"n_estimators": 300}, early_stopping_rounds=20,
                         min_rounds=50).fit(X[:2000], y[:2000], eval_set=(X[2000:], y[2000:]))
    assert floored.best_iteration_ >= 50 and floored.best_iteration_ >= model.best_iteration_


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), times=st.integers(1, 60), names=st.integers(1, 30),
       missing=st.sampled_from([0.0, 0.1, 0.5]), unlabelled=st.sampled_from([0.0, 0.05, 0.3]),
       decimals=st.integers(0, 3))
def test_a_nan_free_output_scores_the_bits_of_the_general_path(seed, times, names, missing, unlabelled, decimals):
    """Boosting rounds take the path with the masks worked out once; ragged timestamps, ties
    and unknown labels give exactly what the path for any output gives."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(times), names)
    groups = rng.permutation(groups[rng.random(len(groups)) >= missing])
    labels = np.round(rng.normal(size=len(groups)), decimals)
    labels[rng.random(len(groups)) < unlabelled] = np.nan
    scorer = ValidationScorer("regression", labels, groups=groups)
    output = np.round(rng.normal(size=len(groups)), decimals)
    table = rank_table(output, scorer._grid)
    assert np.float64(scorer._whole_ic(table)).tobytes() == np.float64(scorer._any_ic(table)).tobytes()
    assert scorer(output) == scorer._whole_ic(table)
