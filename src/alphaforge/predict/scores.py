"""One rule turning model outputs into scores, shared by live prediction and backtests.

A score is one number per row: the predicted value for regression, and for classifiers the
expected label rescaled to [0, 1] (for a binary target, the probability of the up class).
Scores become signals in :mod:`alphaforge.predict.signals`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.models.base import ModelFamily


def model_scores(model: ModelFamily, X: pd.DataFrame) -> np.ndarray:
    """Scores of ``X``: values (regression) or the expected class rescaled to [0, 1] (classifiers)."""
    return scores_of_outputs(model, model.outputs(X))


def scores_of_outputs(model: ModelFamily, outputs: np.ndarray) -> np.ndarray:
    """The scores of rows whose :meth:`~alphaforge.models.base.ModelFamily.outputs` are ``outputs``
    (for a caller that needs both, e.g. a fold's metrics and its prediction rows: one prediction)."""
    if model.task == "regression":
        return np.asarray(outputs, dtype=np.float64)
    probabilities = np.asarray(outputs, dtype=np.float64)
    classes = np.asarray(model.classes_, dtype=np.float64)
    low, high = classes.min(), classes.max()
    expected = probabilities @ classes
    return (expected - low) / (high - low)


def score_center(task: str) -> float:
    """The neutral score: 0 for regression, 0.5 for classifiers."""
    return 0.0 if task == "regression" else 0.5


def score_thresholds(task: str, band: float) -> tuple[float, float]:
    """(short below, long above) of the threshold rule: the neutral score minus and plus ``band``
    (no band for regression)."""
    center, margin = score_center(task), (0.0 if task == "regression" else band)
    return center - margin, center + margin
