"""The contract every model family passes: shapes, save/load, determinism, weights, early stopping."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from alphaforge.errors import InputError
from alphaforge.models import load_model
from tests.models.conftest import build_model, family_tasks, make_problem

pytestmark = pytest.mark.parametrize(("family", "task"), family_tasks())


def _fit_with_validation(family, task):
    problem = make_problem(task)
    train_x, train_y, val_x, val_y = problem.split(300)
    return build_model(family, task).fit(train_x, train_y, eval_set=(val_x, val_y)), problem


@functools.cache
def _fitted(family, task):
    """One early-stopped fit per case, shared by the read-only tests below (they never mutate it)."""
    return _fit_with_validation(family, task)


def test_fit_returns_self_and_predicts_shapes(build, family, task):
    problem = make_problem(task)
    model = build(family, task)
    assert model.fit(problem.X, problem.y) is model
    predicted = model.predict(problem.X)
    assert predicted.shape == (len(problem.X),)
    if task == "regression":
        assert np.isfinite(predicted).all()
        with pytest.raises(InputError, match="predict_proba is for classifiers"):
            model.predict_proba(problem.X)
    else:
        assert set(np.unique(predicted)) <= set(np.unique(problem.y))
        proba = model.predict_proba(problem.X)
        assert proba.shape == (len(problem.X), len(np.unique(problem.y)))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
        np.testing.assert_array_equal(model.classes_, np.unique(problem.y))


def test_learns_the_signal(build, family, task):
    model, problem = _fitted(family, task)
    _, _, val_x, val_y = problem.split(300)
    predicted = model.predict(val_x)
    if task == "regression":
        assert np.corrcoef(predicted, val_y)[0, 1] > 0.3
    else:
        assert (predicted == val_y).mean() > 1.2 / len(np.unique(val_y))


def test_save_load_gives_identical_predictions(build, family, task, tmp_path):
    model, problem = _fitted(family, task)
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert type(loaded) is type(model)
    assert loaded.feature_names_ == model.feature_names_
    np.testing.assert_array_equal(loaded.outputs(problem.X), model.outputs(problem.X))
    np.testing.assert_array_equal(loaded.predict(problem.X), model.predict(problem.X))
    pd.testing.assert_series_equal(loaded.feature_importance(), model.feature_importance())


def test_same_seed_same_model_file_and_predictions(build, family, task, tmp_path):
    first, problem = _fitted(family, task)
    second, _ = _fit_with_validation(family, task)
    path_a, path_b = first.save(tmp_path / "a"), second.save(tmp_path / "b")
    assert path_a.read_bytes() == path_b.read_bytes()
    np.testing.assert_array_equal(first.outputs(problem.X), second.outputs(problem.X))


def test_sample_weights_are_honoured(build, family, task):
    """Up-weighting the rows of the top label moves predictions towards it."""
    problem = make_problem(task)
    top = problem.y == problem.y.max() if task != "regression" else problem.y > 0
    weights = np.where(top, 20.0, 1.0)
    plain = build(family, task).fit(problem.X, problem.y)
    weighted = build(family, task).fit(problem.X, problem.y, sample_weight=weights)
    if task == "regression":
        assert weighted.predict(problem.X).mean() > plain.predict(problem.X).mean()
    else:
        assert weighted.predict_proba(problem.X)[:, -1].mean() > plain.predict_proba(problem.X)[:, -1].mean()


def test_early_stopping_and_final_refit(build, family, task):
    model, problem = _fitted(family, task)
    if model.iteration_param is None:
        assert model.best_iteration_ is None
        return
    limit = model.resolved_params()[model.iteration_param]
    assert 1 <= model.best_iteration_ <= limit
    final = model.with_iterations(model.best_iteration_)
    assert not hasattr(final, "feature_names_")
    assert final.resolved_params()[model.iteration_param] == model.best_iteration_
    final.fit(problem.X, problem.y)
    assert final.best_iteration_ is None


def test_importance_covers_every_feature(build, family, task):
    model, _ = _fitted(family, task)
    importance = model.feature_importance()
    assert list(importance.index) == ["a", "b", "c", "d"]
    assert (importance >= 0).all()
    assert importance.sum() == pytest.approx(1.0)
    assert importance.idxmax() == "a"


def test_reordered_or_missing_features_are_refused(build, family, task):
    model, problem = _fitted(family, task)
    with pytest.raises(InputError, match="different order"):
        model.predict(problem.X[["b", "a", "c", "d"]])
    with pytest.raises(InputError, match="missing: d"):
        model.predict(problem.X[["a", "b", "c"]])


def test_sklearn_protocol(build, family, task):
    model = build(family, task)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert copy.set_params(seed=11).seed == 11
    with pytest.raises(InputError, match="unknown argument"):
        model.set_params(colour="red")


def test_continued_training_adds_rounds_and_matches_after_a_reload(build, family, task, tmp_path):
    """A scheduled retrain continues the previous model (families that can) instead of starting
    over: the continued model keeps the old trees up to its best round, fits the new rows, and
    grows the same trees whether the old model is in memory or loaded from its saved files (as
    the live loop has it)."""
    earlier, problem = _fitted(family, task)  # early stopped: trees past its best round are not continued
    rounds = build(family, task).with_iterations(7)
    if not earlier.continues_training:
        with pytest.raises(InputError, match="cannot continue"):
            rounds.fit(problem.X, problem.y, init_model=earlier)
        return
    in_memory = rounds.fit(problem.X, problem.y, init_model=earlier)
    earlier.save(tmp_path / "earlier")
    reloaded = build(family, task).with_iterations(7).fit(problem.X, problem.y,
                                                          init_model=load_model(tmp_path / "earlier"))
    np.testing.assert_array_equal(in_memory.predict(problem.X), reloaded.predict(problem.X))
    in_memory.save(tmp_path / "continued")
    assert load_model(tmp_path / "continued").predict(problem.X).tolist() == in_memory.predict(problem.X).tolist()
    fresh = build(family, task).with_iterations(7).fit(problem.X, problem.y)
    assert not np.array_equal(in_memory.predict(problem.X), fresh.predict(problem.X))
    with pytest.raises(InputError, match="set number of rounds"):
        rounds.fit(problem.X, problem.y, eval_set=(problem.X, problem.y), init_model=earlier)
    with pytest.raises(InputError, match="feature"):
        rounds.fit(problem.X.iloc[:, ::-1], problem.y, init_model=earlier)
