"""Scores of a model's outputs against labels, per task (what training_results.json reports).

Regression: rmse, mae, r2, ic and hit_rate (share of rows where the signs agree). ``ic`` is the
Spearman rank correlation of prediction and label; with ``groups`` (each row's timestamp, on
a panel) it is the mean per-timestamp rank IC across symbols — what a ranking model is for —
and the correlation over all rows is reported beside it as ``pooled_ic``.
Classification: log_loss, accuracy, auc (binary; one-vs-rest macro average for multi-class,
when every class is present) and brier (binary).
"""

from __future__ import annotations

import numpy as np

from alphaforge.models.stopping import ValidationScorer

METRIC_NAMES = ("rmse", "mae", "r2", "ic", "pooled_ic", "hit_rate", "log_loss", "accuracy", "auc", "brier")
"""Every metric :func:`score` reports, for some task."""


def score(task: str, labels: np.ndarray, output: np.ndarray, weights: np.ndarray | None = None,
          groups: np.ndarray | None = None) -> dict[str, float]:
    """Metrics of ``output`` (values, or probabilities per encoded class 0..K-1) against ``labels``.

    Classification ``labels`` are the encoded classes 0..K-1. ``groups`` (int64 per row) turns
    the regression ``ic`` into the mean per-group rank IC (see the module docstring).

    >>> score("regression", np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))["rmse"]
    0.0
    """
    from sklearn import metrics

    labels = np.asarray(labels, dtype=np.float64)
    if len(labels) == 0:
        return {}
    if task == "regression":
        from scipy.stats import spearmanr

        errors = output - labels
        constant = np.ptp(output) == 0 or np.ptp(labels) == 0
        pooled = np.nan if constant else float(spearmanr(output, labels).statistic)
        result = {"rmse": float(np.sqrt(np.average(errors ** 2, weights=weights))),
                  "mae": float(np.average(np.abs(errors), weights=weights)),
                  "r2": float(metrics.r2_score(labels, output, sample_weight=weights)) if len(labels) > 1 else np.nan,
                  "ic": pooled, "hit_rate": float(np.average(np.sign(output) == np.sign(labels), weights=weights))}
        if groups is not None:
            result.update(ic=ValidationScorer("regression", labels, groups=groups)(output), pooled_ic=pooled)
        return result
    encoded = labels.astype(np.int64)
    n_classes = output.shape[1]
    result = {"log_loss": float(metrics.log_loss(encoded, output, sample_weight=weights, labels=range(n_classes))),
              "accuracy": float(np.average(output.argmax(axis=1) == encoded, weights=weights))}
    present = np.unique(encoded)
    if task == "binary":
        result["brier"] = float(np.average((output[:, 1] - encoded) ** 2, weights=weights))
        result["auc"] = (float(metrics.roc_auc_score(encoded, output[:, 1], sample_weight=weights))
                         if len(present) == 2 else np.nan)
    else:
        result["auc"] = (float(metrics.roc_auc_score(encoded, output, multi_class="ovr", average="macro",
                                                     sample_weight=weights))
                         if len(present) == n_classes else np.nan)
    return result
