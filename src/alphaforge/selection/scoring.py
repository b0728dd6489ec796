"""One skill scale for every target, the quick model, and the purged walk-forward folds.

Skill is a rank correlation between what a model predicts and the label, so that regression
and classification targets rank on one scale (0 = chance, 1 = perfect):

- regression: Spearman correlation (the rank IC);
- binary: Somers' D = 2 * ROC-AUC - 1 (AUC rescaled to a rank correlation);
- multi-class: Spearman correlation of the expected class (the class values weighted by their
  predicted probabilities) with the class. Every multi-class target here has ordered classes
  (return buckets, triple barrier -1/0/+1), and this scores the direction only. One-vs-rest
  AUCs also credit predicting the middle class, which a past volatility estimate does whenever
  a bucket or barrier width is set from it: on pure random walks that scored z 9 (triple
  barrier with vertical zero, 70 000 rows) with nothing to trade.

Whether a target is a regression or a classification is the target registry's one rule
(:func:`alphaforge.targets.task_of`). The quick model is a small LightGBM fitted on the training fold only.
"""

from __future__ import annotations

from typing import Literal

import lightgbm
import numpy as np
from scipy import stats

from alphaforge.validation import LabelSpans, WalkForward

Task = Literal["regression", "binary", "multiclass"]
QUICK_ROUNDS = 50
QUICK_PARAMS = {"learning_rate": 0.1, "num_leaves": 7, "min_data_in_leaf": 100, "feature_fraction": 0.5,
                "max_bin": 31, "bin_construct_sample_cnt": 20_000, "force_col_wise": True, "num_threads": 1,
                "verbose": -1, "deterministic": True}
"""Deliberately small: ranking needs a fair, fast comparison, not the best model. 31 bins found
from 20 000 sampled training rows: binning costs more than the trees."""


def metric_name(task: Task) -> str:
    """The raw metric reported beside the skill."""
    return "roc_auc" if task == "binary" else "spearman_ic"


def _somers_d(positive: np.ndarray, scores: np.ndarray) -> float:
    """2 * AUC - 1 of ``scores`` for the boolean ``positive``; NaN when one class is absent."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = stats.rankdata(scores)
    auc = (ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return float(2.0 * auc - 1.0)


def skill(labels: np.ndarray, scores: np.ndarray, task: Task, classes: np.ndarray | None = None) -> float:
    """Rank-correlation skill of ``scores`` (values, P(larger class), or a probability matrix).

    For ``multiclass`` the columns of ``scores`` are the probabilities of ``classes`` (sorted),
    scored through the expected class. A constant prediction has skill 0 (it ranks nothing).

    >>> skill(np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.1, 0.2, 0.3, 0.4]), "binary")
    1.0
    >>> skill(np.array([0.0, 2.0, 1.0]), np.eye(3)[[0, 2, 1]], "multiclass", np.array([0.0, 1.0, 2.0]))
    1.0
    """
    labels = np.asarray(labels, dtype="float64")
    if task == "multiclass":
        scores, task = np.asarray(scores) @ np.asarray(classes, dtype="float64"), "regression"
    if task == "regression":
        if np.ptp(scores) == 0 or np.ptp(labels) == 0:
            return 0.0
        return float(np.corrcoef(stats.rankdata(scores), stats.rankdata(labels))[0, 1])  # Spearman, minus checks
    return 0.0 if np.ptp(scores) == 0 else _somers_d(labels == labels.max(), scores)


def null_skill_se(labels: np.ndarray, task: Task, overlap: float) -> float:
    """Standard error of the skill of an unrelated predictor on ``labels``.

    Rank correlation (regression, multi-class): 1 / sqrt(n); Somers' D:
    2 * sqrt((n + 1) / (12 n_pos n_neg)). ``overlap`` (labels sharing the same future, in rows)
    inflates the variance: overlapping labels count once per ``overlap`` rows.
    """
    n = len(labels)
    if task == "binary":
        n_pos = int((labels == labels.max()).sum())
        n_neg = n - n_pos
        se = 2.0 * np.sqrt((n + 1) / (12.0 * n_pos * n_neg)) if n_pos and n_neg else 1.0
    else:
        se = 1.0 / np.sqrt(max(n, 1))
    return float(se * np.sqrt(max(overlap, 1.0)))


class QuickModel:
    """A fitted quick model: ``scores`` gives what :func:`skill` ranks, ``gain`` its split-gain per feature."""

    def __init__(self, booster: lightgbm.Booster, task: Task, classes: np.ndarray | None) -> None:
        self.booster = booster
        self.task = task
        self.classes = classes

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Predictions, P(larger class), or the class-probability matrix (columns = ``classes``)."""
        return self.booster.predict(X)

    def skill(self, X: np.ndarray, y: np.ndarray) -> float:
        """Skill on held-out rows."""
        return skill(y, self.scores(X), self.task, self.classes)

    def gain(self) -> np.ndarray:
        """Total split gain per feature."""
        return self.booster.feature_importance(importance_type="gain")


class QuickFold:
    """A training fold binned once, so the real fit and every shuffled-label fit share the bins.

    Binning (LightGBM's Dataset construction) costs more than the 50 small trees; the bin
    edges come from this fold's training rows only.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, task: Task) -> None:
        self.task = task
        self.classes = np.unique(y) if task != "regression" else None
        self.params = {**QUICK_PARAMS, **_objective(task, self.classes)}
        self.dataset = lightgbm.Dataset(X, label=self._encode(y), params=self.params, free_raw_data=False).construct()

    def _encode(self, y: np.ndarray) -> np.ndarray:
        return y if self.classes is None else np.searchsorted(self.classes, y).astype("float64")

    def fit(self, seed: int, labels: np.ndarray | None = None) -> QuickModel:
        """Fit on the fold's labels, or on ``labels`` (e.g. shuffled ones) for the same rows."""
        if labels is not None:
            self.dataset.set_label(self._encode(labels))
        booster = lightgbm.train({**self.params, "seed": seed}, self.dataset, num_boost_round=QUICK_ROUNDS)
        return QuickModel(booster, self.task, self.classes)


def _objective(task: Task, classes: np.ndarray | None) -> dict[str, object]:
    if task == "regression":
        return {"objective": "regression"}
    if task == "binary":
        return {"objective": "binary"}
    return {"objective": "multiclass", "num_class": len(classes)}


def fit_quick_model(X: np.ndarray, y: np.ndarray, task: Task, seed: int) -> QuickModel:
    """The small LightGBM used by ranking, importance and routing, fitted on training rows."""
    return QuickFold(X, y, task).fit(seed)


def trainable(y: np.ndarray, task: Task) -> bool:
    """Whether training labels can fit a model (a classifier needs two classes)."""
    return len(y) > 0 and (task == "regression" or len(np.unique(y)) >= 2)


def purged_splits(spans: LabelSpans, n_splits: int, embargo: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Walk-forward (train, test) row positions, purged on the label spans, with an embargo in bars."""
    return list(WalkForward(n_splits=n_splits, embargo=embargo).split(None, groups=spans))
