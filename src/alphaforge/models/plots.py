"""Plots saved with a model version (matplotlib, Agg backend: no display needed).

Always: feature importance (top 30). Regression: predicted vs actual, residuals vs predicted.
Classification: ROC curves and calibration (reliability) curves, one-vs-rest per class for
multi-class. All drawn from the best model's validation-split outputs: out-of-sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.workspace import atomic_write_png

TOP_FEATURES = 30
_CALIBRATION_BINS = 10


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(7, 5))


def _save(figure: Any, path: Path) -> str:
    import matplotlib.pyplot as plt

    atomic_write_png(figure, path, dpi=100, tight=True)
    plt.close(figure)
    return path.name


def importance_plot(importance: pd.Series, path: Path) -> str:
    """Horizontal bars of the most important features."""
    top = importance.sort_values(ascending=False).head(TOP_FEATURES)[::-1]
    figure, axes = _figure()
    figure.set_size_inches(7, max(3.0, 0.22 * len(top) + 1))
    axes.barh(top.index, top.to_numpy())
    axes.set_xlabel("share of importance")
    axes.set_title("Feature importance")
    return _save(figure, path)


def regression_plots(labels: np.ndarray, predicted: np.ndarray, directory: Path) -> list[str]:
    """Predicted vs actual (with the identity line) and residuals vs predicted."""
    figure, axes = _figure()
    axes.scatter(predicted, labels, s=4, alpha=0.4)
    low, high = float(np.min([labels.min(), predicted.min()])), float(np.max([labels.max(), predicted.max()]))
    axes.plot([low, high], [low, high], color="black", linewidth=1)
    axes.set(xlabel="predicted", ylabel="actual", title="Predicted vs actual (validation)")
    names = [_save(figure, directory / "predicted_vs_actual.png")]
    figure, axes = _figure()
    axes.scatter(predicted, labels - predicted, s=4, alpha=0.4)
    axes.axhline(0.0, color="black", linewidth=1)
    axes.set(xlabel="predicted", ylabel="actual - predicted", title="Residuals (validation)")
    names.append(_save(figure, directory / "residuals.png"))
    return names


def classification_plots(labels: np.ndarray, probabilities: np.ndarray, classes: list[float],
                         directory: Path) -> list[str]:
    """ROC and calibration curves (the positive class for binary, one-vs-rest for multi-class)."""
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import roc_curve

    encoded = labels.astype(np.int64)
    shown = [1] if len(classes) == 2 else list(range(len(classes)))
    roc_figure, roc_axes = _figure()
    cal_figure, cal_axes = _figure()
    for k in shown:
        truth = encoded == k
        if truth.all() or not truth.any():
            continue
        false_positive, true_positive, _ = roc_curve(truth, probabilities[:, k])
        roc_axes.plot(false_positive, true_positive, label=f"class {classes[k]:g}")
        observed, predicted = calibration_curve(truth, probabilities[:, k], n_bins=_CALIBRATION_BINS,
                                                strategy="quantile")
        cal_axes.plot(predicted, observed, marker="o", label=f"class {classes[k]:g}")
    for axes in (roc_axes, cal_axes):
        axes.plot([0, 1], [0, 1], color="black", linewidth=1, linestyle="--")
        axes.legend(loc="best")
    roc_axes.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (validation)")
    cal_axes.set(xlabel="mean predicted probability", ylabel="observed frequency", title="Calibration (validation)")
    return [_save(roc_figure, directory / "roc.png"), _save(cal_figure, directory / "calibration.png")]


def write_plots(directory: Path, task: str, importance: pd.Series, labels: np.ndarray, output: np.ndarray,
                classes: list[float] | None) -> list[str]:
    """Every plot for a model version into ``directory``; returns the file names."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    names = [importance_plot(importance, directory / "feature_importance.png")]
    if task == "regression":
        names += regression_plots(labels, output, directory)
    else:
        names += classification_plots(labels, output, classes or [], directory)
    return names
