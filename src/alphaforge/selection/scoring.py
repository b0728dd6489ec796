"""One skill scale for every target, the quick model, and the purged walk-forward folds.

Skill is a rank correlation between what a model predicts and the label, so that regression
and classification targets rank on one scale (0 = chance, 1 = perfect):

- regression: Spearman correlation (the rank IC);
- binary: Somers' D = 2 * ROC-AUC - 1 (AUC rescaled to a rank correlation);
- multi-class: the mean over classes of the one-vs-rest 2 * AUC - 1 of the class probability.

A target is a classification target when its labels are whole numbers with at most
:data:`MAX_CLASSES` distinct values (binary, multi-class, triple barrier, swings), otherwise a
regression target. The quick model is a small LightGBM fitted on the training fold only.
"""

from __future__ import annotations

from typing import Literal

import lightgbm
import numpy as np
from scipy import stats

from alphaforge.validation import LabelSpans, WalkForward

Task = Literal["regression", "binary", "multiclass"]
MAX_CLASSES = 10
QUICK_PARAMS = {"n_estimators": 50, "learning_rate": 0.1, "num_leaves": 7, "min_child_samples": 100,
                "colsample_bytree": 0.5, "max_bin": 31, "force_col_wise": True, "n_jobs": 1, "verbose": -1}
"""Deliberately small: ranking needs a fair, fast comparison, not the best model."""


def task_of(labels: np.ndarray) -> Task:
    """``regression``, ``binary`` or ``multiclass`` from the label values.

    >>> task_of(np.array([0.0, 1.0, 1.0])), task_of(np.array([-1.0, 0.0, 1.0])), task_of(np.array([0.1, 0.2]))
    ('binary', 'multiclass', 'regression')
    """
    values = np.unique(labels[np.isfinite(labels)])
    if len(values) <= MAX_CLASSES and np.all(values == np.round(values)):
        return "binary" if len(values) <= 2 else "multiclass"
    return "regression"


def metric_name(task: Task) -> str:
    """The raw metric reported beside the skill."""
    return "spearman_ic" if task == "regression" else "roc_auc"


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

    For ``multiclass`` the columns of ``scores`` are the probabilities of ``classes``. A
    constant prediction has skill 0 (it ranks nothing).

    >>> skill(np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.1, 0.2, 0.3, 0.4]), "binary")
    1.0
    """
    labels = np.asarray(labels, dtype="float64")
    if task == "regression":
        if np.ptp(scores) == 0 or np.ptp(labels) == 0:
            return 0.0
        return float(stats.spearmanr(scores, labels).statistic)
    if task == "binary":
        return 0.0 if np.ptp(scores) == 0 else _somers_d(labels == labels.max(), scores)
    per_class = [_somers_d(labels == c, scores[:, j]) for j, c in enumerate(classes)
                 if np.ptp(scores[:, j]) > 0]
    per_class = [value for value in per_class if np.isfinite(value)]
    return float(np.mean(per_class)) if per_class else 0.0


def null_skill_se(labels: np.ndarray, task: Task, overlap: float) -> float:
    """Standard error of the skill of an unrelated predictor on ``labels``.

    Rank correlation: 1 / sqrt(n); Somers' D: 2 * sqrt((n + 1) / (12 n_pos n_neg)) (averaged
    over classes for multi-class). ``overlap`` (labels sharing the same future, in rows) inflates
    the variance: overlapping labels count once per ``overlap`` rows.
    """
    n = len(labels)
    if task == "regression":
        se = 1.0 / np.sqrt(max(n, 1))
    else:
        classes = np.unique(labels) if task == "multiclass" else [labels.max()]
        ses = []
        for c in classes:
            n_pos = int((labels == c).sum())
            n_neg = n - n_pos
            if n_pos and n_neg:
                ses.append(2.0 * np.sqrt((n + 1) / (12.0 * n_pos * n_neg)))
        se = float(np.mean(ses)) if ses else 1.0
    return float(se * np.sqrt(max(overlap, 1.0)))


def fit_quick_model(X: np.ndarray, y: np.ndarray, task: Task, seed: int) -> lightgbm.LGBMModel:
    """The small LightGBM used by ranking, importance and routing (fitted on a training fold)."""
    params = {**QUICK_PARAMS, "random_state": seed}
    model = lightgbm.LGBMRegressor(**params) if task == "regression" else lightgbm.LGBMClassifier(**params)
    return model.fit(X, y)


def model_scores(model: lightgbm.LGBMModel, X: np.ndarray, task: Task) -> np.ndarray:
    """What :func:`skill` ranks: predictions, P(larger class), or the probability matrix."""
    if task == "regression":
        return model.predict(X)
    probabilities = model.predict_proba(X)
    return probabilities[:, -1] if task == "binary" else probabilities


def fold_skill(model: lightgbm.LGBMModel, X: np.ndarray, y: np.ndarray, task: Task) -> float:
    """Skill of a fitted quick model on held-out rows."""
    classes = getattr(model, "classes_", None)
    return skill(y, model_scores(model, X, task), task, classes)


def trainable(y: np.ndarray, task: Task) -> bool:
    """Whether training labels can fit a model (a classifier needs two classes)."""
    return len(y) > 0 and (task == "regression" or len(np.unique(y)) >= 2)


def purged_splits(spans: LabelSpans, n_splits: int, embargo: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Walk-forward (train, test) row positions, purged on the label spans, with an embargo in bars."""
    return list(WalkForward(n_splits=n_splits, embargo=embargo).split(None, groups=spans))
