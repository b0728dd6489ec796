"""Small synthetic problems for the model-family contract suite (fast: a few hundred rows)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from alphaforge.models import FAMILIES, ModelFamily, make_model

try:
    import torch  # noqa: F401  (the deep extra)

    HAS_TORCH = True
except ImportError:
    HAS_TORCH = False
FAST_PARAMS = {
    "lightgbm": {"n_estimators": 60, "min_data_in_leaf": 10, "learning_rate": 0.1},
    "xgboost": {"n_estimators": 60},
    "gradient_boosting": {"n_estimators": 40},
    "hist_gradient_boosting": {"max_iter": 60},
    "random_forest": {"n_estimators": 25},
    "logistic": {},
    "ridge": {},
    "lstm": {"epochs": 10, "window": 5, "hidden_size": 8, "batch_size": 64, "learning_rate": 0.02},
}
"""Per-family parameters small enough for the default (fast) suite."""


def family_tasks() -> list[object]:
    """Every (family, task) pair a family declares; LSTM cases skip without PyTorch."""
    cases = []
    for name, cls in FAMILIES.items():
        marks = [pytest.mark.skipif(not HAS_TORCH, reason="the lstm family needs the deep extra (torch)")] \
            if name == "lstm" else []
        cases += [pytest.param(name, task, id=f"{name}-{task}", marks=marks) for task in cls.tasks]
    return cases


@dataclass
class Problem:
    """Features (two symbols, time-ordered, some NaN) and labels in original class values."""

    X: pd.DataFrame
    y: np.ndarray
    task: str

    def split(self, at: int) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
        return self.X.iloc[:at], self.y[:at], self.X.iloc[at:], self.y[at:]


def make_problem(task: str, n_rows: int = 400, seed: int = 7) -> Problem:
    """Labels driven by feature ``a``: regression values, binary {0, 1}, multi-class {-1, 0, 1}."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n_rows, 4))
    values[::11, 2] = np.nan
    times = pd.date_range("2024-01-01", periods=n_rows // 2, freq="D", tz="UTC")
    index = pd.MultiIndex.from_product([times, ["A", "B"]], names=["timestamp", "symbol"]).swaplevel()
    X = pd.DataFrame(values, columns=["a", "b", "c", "d"], index=index)
    signal = values[:, 0] + 0.5 * rng.normal(size=n_rows)
    if task == "regression":
        y = signal
    elif task == "binary":
        y = (signal > 0).astype(float)
    else:
        y = np.digitize(signal, [-0.5, 0.5]) - 1.0
    return Problem(X, y, task)


def build_model(family: str, task: str, **params: object) -> ModelFamily:
    """An unfitted, fast-configured model (fixed seed, CPU, early stopping after 5 rounds)."""
    return make_model(family, task=task, params={**FAST_PARAMS.get(family, {}), **params}, seed=3, device="cpu",
                      early_stopping_rounds=5)


@pytest.fixture
def build() -> object:
    """:func:`build_model` as a fixture."""
    return build_model


@pytest.fixture(autouse=True, scope="session")
def _one_thread() -> object:
    """One thread per native library: the tests share a small machine, and oversubscribed
    OpenMP/PyTorch thread pools make tiny fits slow; results do not depend on it."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        if HAS_TORCH:
            import torch

            torch.set_num_threads(1)
        yield
