"""One bin search per training window: the best model is the same bits as without, and the final
model bins its rows with the best model's edges (tests/pipeline: ``[models] shared_bins`` chooses)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.models import make_model
from alphaforge.models.binning import SharedBins
from alphaforge.models.training import train_best_and_final
from tests.models.conftest import make_problem

ROWS = 4_000
"""Enough rows that ``min_data_in_leaf = "auto"`` differs between the final model (40) and the best
model (32): the final model trains with a larger one than the edges were found with."""
FIRST = "Column_0"
"""LightGBM's name of the first column (a fit passes it an array)."""


def _largest_bin_edge(model, feature: str = FIRST) -> float:
    return float(model.booster_.dump_model()["feature_infos"][feature]["max_value"])


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_the_best_model_is_the_same_and_the_final_model_takes_its_bin_edges(task):
    """A value seen only among the validation rows bounds the final model's bins when it searches
    its own edges (as before), and not when it takes the best model's, found on the earlier rows;
    the best model, and so the round count, are the same bits either way."""
    problem = make_problem(task, n_rows=ROWS, seed=3)
    times = problem.X.index.get_level_values("timestamp")
    X = problem.X.copy()
    X.iloc[-3, 0] = 1e6  # a validation row (the last timestamps)
    kwargs = dict(timestamps=times, t1=times + pd.Timedelta(days=2), family="lightgbm", task=task,
                  params={"n_estimators": 60}, seed=1, device="cpu", early_stopping_rounds=10, min_rounds=20)
    apart = train_best_and_final(X, problem.y, **kwargs)
    shared = train_best_and_final(X, problem.y, **kwargs, shared_bins=True)
    assert shared.best.booster_.model_to_string() == apart.best.booster_.model_to_string()
    assert _largest_bin_edge(apart.final) == 1e6
    assert _largest_bin_edge(shared.final) == _largest_bin_edge(shared.best) < 1e6
    assert shared.final.booster_.current_iteration() == shared.best.best_iteration_


@pytest.mark.parametrize("weighted", [False, True])
def test_a_fit_given_fresh_bins_is_the_fit_without(weighted):
    """The first fit given a SharedBins searches its own edges: the same bits as a fit given none."""
    problem = make_problem("regression", n_rows=ROWS, seed=3)
    weights = np.linspace(0.5, 2.0, len(problem.y)) if weighted else None
    texts = [make_model("lightgbm", task="regression", params={"n_estimators": 30}, seed=2, device="cpu")
             .fit(problem.X, problem.y, sample_weight=weights, bins=bins).booster_.model_to_string()
             for bins in (None, SharedBins())]
    assert texts[0] == texts[1]


def test_a_continued_fit_bins_its_own_rows():
    """LightGBM scores the rows a continued fit starts from as it bins them: bins are ignored there."""
    problem = make_problem("regression", n_rows=ROWS, seed=3)
    first = make_model("lightgbm", task="regression", params={"n_estimators": 5}, seed=1, device="cpu")
    bins = SharedBins()
    first.fit(problem.X.iloc[:2000], problem.y[:2000], bins=bins)  # keeps its edges in bins
    continued = [make_model("lightgbm", task="regression", params={"n_estimators": 5}, seed=1, device="cpu")
                 .fit(problem.X, problem.y, init_model=first, bins=given).booster_.model_to_string()
                 for given in (None, bins)]
    assert continued[0] == continued[1]
