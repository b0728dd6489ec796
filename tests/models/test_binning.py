"""One binning per training window: the final model is the same bits as one binned apart, and the
best model's bins span every row of the window (tests/pipeline: ``[models] shared_bins`` chooses)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.errors import InputError
from alphaforge.models import make_model
from alphaforge.models.binning import BinnedRows, WindowRows
from alphaforge.models.training import rows_of, train_best_and_final
from tests.models.conftest import make_problem

ROWS = 4_000
"""Enough rows that ``min_data_in_leaf = "auto"`` differs between the window (40) and the best
model's training rows (32): the subset is trained with a smaller one than the window was binned with."""


def _problem(task: str, seed: int = 3):
    problem = make_problem(task, n_rows=ROWS, seed=seed)
    times = problem.X.index.get_level_values("timestamp")
    return problem, times


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
@pytest.mark.parametrize("weighted", [False, True])
def test_a_final_model_from_the_window_binning_is_the_one_binned_apart(task, weighted):
    problem, _ = _problem(task)
    weights = np.linspace(0.5, 2.0, len(problem.y)) if weighted else None
    apart = make_model("lightgbm", task=task, params={"n_estimators": 30}, seed=2, device="cpu")
    shared = make_model("lightgbm", task=task, params={"n_estimators": 30}, seed=2, device="cpu")
    apart.fit(problem.X, problem.y, sample_weight=weights)
    shared.fit(problem.X, problem.y, sample_weight=weights, bins=BinnedRows(WindowRows(problem.X)))
    assert shared.booster_.model_to_string() == apart.booster_.model_to_string()


def _largest_bin_edge(model, feature: str) -> float:
    infos = model.booster_.dump_model()["feature_infos"][feature]
    return float(infos["max_value"])


def test_the_best_model_bins_every_row_of_its_window():
    """A value seen only among the validation rows bounds the best model's bins when it shares the
    window's binning, and not when it bins its training rows alone (as before)."""
    problem, times = _problem("regression")
    X = problem.X.copy()
    X.iloc[-3, 0] = 1e6  # a validation row (the last timestamps)
    kwargs = dict(timestamps=times, t1=times + pd.Timedelta(days=2), family="lightgbm", task="regression",
                  params={"n_estimators": 60}, seed=1, device="cpu", early_stopping_rounds=10, min_rounds=20)
    alone = train_best_and_final(X, problem.y, **kwargs)
    shared = train_best_and_final(X, problem.y, **kwargs, shared_bins=True)
    column = "Column_0"  # LightGBM's name of the first column (the fit passes it an array)
    assert _largest_bin_edge(shared.best, column) == 1e6
    assert _largest_bin_edge(alone.best, column) < 1e6
    # the final models bin every row either way: the same bits whenever they train the same rounds
    final = alone.best.with_iterations(shared.best.best_iteration_).fit(X, problem.y)
    assert final.booster_.model_to_string() == shared.final.booster_.model_to_string()


def test_shared_bins_keep_the_rows_each_model_is_given():
    """The best model trains on its training rows only: a subset of the window, labelled with the
    fit's own labels (the validation rows' labels changed leave its first tree alone)."""
    problem, times = _problem("regression")
    window = WindowRows(problem.X)
    split_at = ROWS * 3 // 4
    train, validation = np.arange(split_at), np.arange(split_at, ROWS)
    trees = []
    for shift in (0.0, 100.0):
        labels = problem.y.copy()
        labels[validation] += shift
        model = make_model("lightgbm", task="regression", params={"n_estimators": 5}, seed=1, device="cpu",
                           early_stopping_rounds=5)
        model.fit(rows_of(problem.X, train), labels[train], eval_set=(rows_of(problem.X, validation),
                                                                      labels[validation]),
                  bins=BinnedRows(window, train, validation))
        trees.append(model.booster_.model_to_string(num_iteration=1))
    assert trees[0] == trees[1]


def test_bins_naming_other_rows_are_an_input_error():
    problem, _ = _problem("regression")
    model = make_model("lightgbm", task="regression", params={"n_estimators": 5}, device="cpu")
    with pytest.raises(InputError, match="bins name 10 training rows"):
        model.fit(problem.X.iloc[:20], problem.y[:20], bins=BinnedRows(WindowRows(problem.X), np.arange(10)))


def test_a_continued_fit_bins_its_own_rows():
    """LightGBM scores the rows a continued fit starts from as it bins them: bins are ignored there."""
    problem, _ = _problem("regression")
    first = make_model("lightgbm", task="regression", params={"n_estimators": 5}, seed=1, device="cpu")
    first.fit(problem.X, problem.y)
    continued = [make_model("lightgbm", task="regression", params={"n_estimators": 5}, seed=1, device="cpu")
                 .fit(problem.X, problem.y, init_model=first, bins=bins).booster_.model_to_string()
                 for bins in (None, BinnedRows(WindowRows(problem.X)))]
    assert continued[0] == continued[1]
