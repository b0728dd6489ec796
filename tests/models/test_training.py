"""Best and final training: the time split purges overlapping labels; the refit uses the best count."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.errors import InputError
from alphaforge.models import GpuFallbackWarning, make_model
from alphaforge.models.training import rows_of, time_split, train_best_and_final
from tests.models.conftest import FAST_PARAMS, make_problem


@settings(max_examples=60, deadline=None)
@given(n_times=st.integers(4, 60), horizon=st.integers(0, 5), fraction=st.floats(0.05, 0.5))
def test_split_is_time_ordered_and_purged(n_times, horizon, fraction):
    times = pd.date_range("2024-01-01", periods=n_times, freq="D", tz="UTC").repeat(2)
    t1 = times + pd.Timedelta(days=horizon)
    try:
        split = time_split(times, t1, fraction)
    except InputError:
        return
    start = split.validation_start
    assert (times[split.validation] >= start).all()
    assert (times[split.train] < start).all() and (t1[split.train] < start).all()
    dropped = np.setdiff1d(np.flatnonzero(times < start), split.train)
    assert len(dropped) == split.purged and (t1[dropped] >= start).all()


def test_too_few_times_is_an_input_error():
    times = pd.date_range("2024-01-01", periods=2, freq="D", tz="UTC")
    with pytest.raises(InputError, match="too few"):
        time_split(times, times, 0.5)


def _outcome(family="lightgbm", params=None):
    problem = make_problem("binary", n_rows=400)
    times = problem.X.index.get_level_values("timestamp")
    return train_best_and_final(problem.X, problem.y, timestamps=times, t1=times + pd.Timedelta(days=3),
                                family=family, task="binary", params=params or {"n_estimators": 200,
                                                                                "min_data_in_leaf": 10,
                                                                                "learning_rate": 0.1},
                                seed=1, device="cpu", early_stopping_rounds=10), problem


def test_final_model_uses_the_best_iteration_on_all_rows():
    outcome, _ = _outcome()
    assert outcome.best.best_iteration_ < 200
    assert outcome.final.booster_.current_iteration() == outcome.best.best_iteration_
    assert set(outcome.metrics) == {"train", "validation", "final_in_sample"}
    assert 0.5 < outcome.metrics["validation"]["auc"] <= 1.0
    assert outcome.validation_output.shape == (len(outcome.split.validation), 2)


def test_same_inputs_same_models_and_metrics(tmp_path):
    first, _ = _outcome()
    second, _ = _outcome()
    assert first.metrics == second.metrics
    for name in ("best", "final"):
        a = getattr(first, name).save(tmp_path / f"a{name}")
        b = getattr(second, name).save(tmp_path / f"b{name}")
        assert a.read_bytes() == b.read_bytes()


def test_gpu_request_without_gpu_falls_back_with_a_notice():
    problem = make_problem("regression", n_rows=100)
    model = make_model("ridge", task="regression", device="cuda")
    with pytest.warns(GpuFallbackWarning, match="ridge: GPU requested but it has no GPU support"):
        model.fit(problem.X, problem.y)
    assert model.device_ == "cpu"
    times = problem.X.index.get_level_values("timestamp")
    outcome = train_best_and_final(problem.X, problem.y, timestamps=times, t1=times, family="ridge",
                                   task="regression", device="cuda")
    assert outcome.notices == ["ridge: GPU requested but it has no GPU support; training on CPU"]


def test_unsupported_task_and_unknown_family_are_input_errors():
    problem = make_problem("regression", n_rows=100)
    with pytest.raises(InputError, match="logistic supports"):
        make_model("logistic", task="regression").fit(problem.X, problem.y)
    with pytest.raises(InputError, match="did you mean 'lightgbm'"):
        make_model("lightgmb", task="regression")
    with pytest.raises(InputError, match="unknown device 'tpu'"):
        make_model("ridge", task="regression", device="tpu").fit(problem.X, problem.y)


def test_lstm_without_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # what an install without the deep extra looks like
    with pytest.raises(InputError, match=r"pip install 'alphaforge\[deep\]'"):
        make_model("lstm", task="regression", device="cpu").fit(np.zeros((10, 2)), np.zeros(10))


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("family", ["lightgbm", "xgboost", "hist_gradient_boosting"])
def test_consecutive_rows_train_from_a_view_as_from_a_copy(family, layout, tmp_path):
    """A fold's rows handed over as a view of the whole matrix (``rows_of``: no 300 MB copy at 1 M
    rows), row-major (the training matrix) or column-major (the store's), train the models and
    metrics a column-major copy of the same rows trains, to the byte."""
    problem = make_problem("regression", n_rows=600)
    whole = problem.X.astype(np.float32)
    values = np.asarray(whole.to_numpy(), order=layout)
    whole = pd.DataFrame(values, index=whole.index, columns=whole.columns, copy=False)
    rows = np.arange(40, 560)
    view = rows_of(whole, rows)
    assert np.shares_memory(view.to_numpy(), whole.to_numpy())
    outcomes = []
    copy = pd.DataFrame(np.asfortranarray(values[rows]), index=whole.index[rows], columns=whole.columns)
    for X in (view, copy):
        times = X.index.get_level_values("timestamp")
        outcomes.append(train_best_and_final(X, problem.y[rows], timestamps=times, t1=times + pd.Timedelta(days=2),
                                             family=family, task="regression", params=FAST_PARAMS.get(family),
                                             seed=1, device="cpu", early_stopping_rounds=10))
    assert outcomes[0].metrics == outcomes[1].metrics
    for name in ("best", "final"):
        saved = [getattr(o, name).save(tmp_path / f"{name}{i}").read_bytes() for i, o in enumerate(outcomes)]
        assert saved[0] == saved[1]


def test_rows_of_gives_the_rows_asked_for():
    frame = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) * 2})
    for rows in (np.arange(3, 7), np.array([1, 2, 5]), np.array([4]), np.array([], dtype=np.int64)):
        pd.testing.assert_frame_equal(rows_of(frame, rows), frame.iloc[rows])
