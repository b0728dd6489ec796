"""Fold scores against scikit-learn, metric/task checks, and a classification study that minimises."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

from alphaforge.errors import InputError
from alphaforge.tuning import METRICS, resolve_metric, tune
from alphaforge.tuning.metrics import strategy_returns
from tests.tuning.synthetic import fast_settings, synthetic_data

RNG = np.random.default_rng(3)
CLASSES = np.array([-1.0, 0.0, 1.0])
LABELS = RNG.choice(CLASSES, size=200)
PROBA = RNG.dirichlet(np.ones(3), size=200)
TIMES = np.repeat(np.arange(100), 2)


def test_class_metrics_match_scikit_learn():
    assert METRICS["accuracy"].score(LABELS, PROBA, TIMES, CLASSES) == pytest.approx(
        accuracy_score(LABELS, CLASSES[PROBA.argmax(axis=1)]))
    assert METRICS["log_loss"].score(LABELS, PROBA, TIMES, CLASSES) == pytest.approx(
        log_loss(LABELS, PROBA, labels=CLASSES))
    binary = (LABELS > 0).astype(float)
    two = np.column_stack([1 - PROBA[:, 0], PROBA[:, 0]])
    assert METRICS["auc"].score(binary, two, TIMES, np.array([0.0, 1.0])) == pytest.approx(
        roc_auc_score(binary, two[:, 1]))


def test_sharpe_holds_the_sign_of_the_prediction_and_averages_symbols_per_period():
    y = np.array([0.01, -0.02, 0.03, 0.01, -0.01, 0.02])
    prediction = np.array([1.0, -1.0, -2.0, 0.5, 0.3, -0.1])
    returns = strategy_returns(y, prediction, np.array([0, 0, 1, 1, 2, 2]))
    assert returns.tolist() == pytest.approx([0.015, -0.01, -0.015])
    assert METRICS["sharpe"].score(y, prediction, np.array([0, 0, 1, 1, 2, 2]), None) == pytest.approx(
        returns.mean() / returns.std(ddof=1))


def test_auto_picks_by_task_and_a_wrong_pair_is_refused():
    assert resolve_metric("auto", "regression").name == "ic"
    assert resolve_metric("auto", "multiclass").name == "log_loss"
    with pytest.raises(InputError, match="does not apply"):
        resolve_metric("sharpe", "binary")
    with pytest.raises(InputError, match="unknown metric"):
        resolve_metric("r2", "regression")


def test_a_classification_study_minimises_the_log_loss(workspace):
    data = synthetic_data(task="binary")
    result = tune(workspace, data, fast_settings(family="logistic", random_trials=3, bayes_trials=1, fine_trials=0))
    study = optuna.load_study(study_name=result.study, storage=result.storage)
    assert study.direction == optuna.study.StudyDirection.MINIMIZE
    assert study.user_attrs["metric"] == "log_loss"
    assert study.best_value == min(t.value for t in study.trials) == result.best["value"]
