"""The objective of a study: the purged walk-forward CV score of one parameter set.

Every fold trains on the past only (purged on t1, with an embargo before the test window) and
scores the next window. After each fold the running mean score is reported as the trial's
intermediate value at step = fold, so a pruner can stop a trial that is already worse than
its peers; the fold scores are kept as the trial's ``fold_scores`` user attribute.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna

from alphaforge.models import ModelFamily, make_model
from alphaforge.tuning.dataset import TuningData
from alphaforge.tuning.metrics import Metric
from alphaforge.tuning.spaces import SINGLE_THREAD, Space, suggest


@dataclass(frozen=True)
class FoldFit:
    """One fold: the fitted model, its output on the test rows, the score and the training seconds."""

    model: ModelFamily
    output: np.ndarray
    score: float
    seconds: float


def fit_and_score(data: TuningData, family: str, params: Mapping[str, Any], metric: Metric,
                  train: np.ndarray, test: np.ndarray, seed: int) -> FoldFit:
    """Fit ``family`` with ``params`` on the ``train`` rows and score it on the ``test`` rows."""
    model = make_model(family, task=data.task, params={**SINGLE_THREAD.get(family, {}), **params}, seed=seed)
    started = time.perf_counter()
    model.fit(data.X.iloc[train], data.fit_labels[train])
    seconds = time.perf_counter() - started
    test_x = data.X.iloc[test]
    output = model.predict_proba(test_x) if metric.uses_proba else model.predict(test_x)
    return FoldFit(model, output, metric.score(data.y[test], output, data.times[test], model.classes_), seconds)


class CVObjective:
    """Callable objective: suggest parameters from ``space``, score them fold by fold.

    ``folds`` are (train, test) row positions, computed once by the caller's splitter. The
    last fold's model (trained on the most data) is kept per trial number until
    :meth:`pop_model` hands it to the checkpoint writer.
    """

    def __init__(self, data: TuningData, family: str, space: Space, metric: Metric,
                 folds: Iterable[tuple[np.ndarray, np.ndarray]], seed: int = 0) -> None:
        self.data = data
        self.family = family
        self.space = space
        self.metric = metric
        self.folds = list(folds)
        self.seed = seed
        self._models: dict[int, ModelFamily] = {}
        self._lock = threading.Lock()

    def __call__(self, trial: optuna.Trial) -> float:
        params = suggest(trial, self.space)
        scores: list[float] = []
        model = None
        for step, (train, test) in enumerate(self.folds):
            fold = fit_and_score(self.data, self.family, params, self.metric, train, test, self.seed)
            model = fold.model
            scores.append(fold.score)
            trial.report(float(np.mean(scores)), step)
            if trial.should_prune():
                trial.set_user_attr("fold_scores", scores)
                raise optuna.TrialPruned(f"pruned after fold {step}: running mean {np.mean(scores):.6g}")
        trial.set_user_attr("fold_scores", scores)
        if model is not None:
            with self._lock:
                self._models[trial.number] = model
        return float(np.mean(scores))

    def pop_model(self, number: int) -> ModelFamily | None:
        """The last-fold model of trial ``number`` (once), or None when it did not finish here."""
        with self._lock:
            return self._models.pop(number, None)
