"""Out-of-sample feature importance, each kind fitted on training folds and scored on test folds.

- **Single-feature importance (SFI)**: per feature, a binned-mean model (decile edges and the
  mean label per bin, both from the training fold) predicts the test fold; its skill is the
  feature's SFI. It sees one feature at a time, so substitutes do not hide each other.
- **Permutation importance (MDA)**: the quick model is fitted on all features of the training
  fold; a feature's MDA is the test skill lost when that feature's test column is shuffled.
- **Model importance**: the fitted quick model's own split-gain share (in-sample by nature,
  reported beside the two out-of-sample measures).

Each is averaged over the folds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.selection.dataset import TargetData
from alphaforge.selection.scoring import (
    fit_quick_model,
    skill,
    trainable,
)

N_BINS = 10
Splits = list[tuple[np.ndarray, np.ndarray]]


def _label_matrix(y: np.ndarray, task: str, classes: np.ndarray) -> np.ndarray:
    """Labels as what a bin averages: the value, 1{larger class}, or one-hot classes."""
    if task == "regression":
        return y[:, None]
    if task == "binary":
        return (y == classes[-1]).astype("float64")[:, None]
    return (y[:, None] == classes[None, :]).astype("float64")


def binned_mean_skill(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                      task: str, n_bins: int = N_BINS) -> float:
    """Test skill of the mean label per quantile bin of one feature (edges from the training rows).

    >>> x = np.arange(200.0)
    >>> round(binned_mean_skill(x[:100], x[:100], x[100:], x[100:], "regression"), 3)
    0.0
    >>> round(binned_mean_skill(x[::2], x[::2], x[1::2], x[1::2], "regression"), 3)
    0.995
    """
    classes = np.unique(y_train)
    targets = _label_matrix(y_train, task, classes)
    finite = np.isfinite(x_train)
    overall = targets.mean(axis=0)
    if finite.sum() < n_bins:
        return 0.0
    edges = np.unique(np.quantile(x_train[finite], np.linspace(0, 1, n_bins + 1)[1:-1]))
    bins_train = np.searchsorted(edges, x_train[finite], side="right")
    counts = np.bincount(bins_train, minlength=len(edges) + 1).astype("float64")
    sums = np.stack([np.bincount(bins_train, weights=targets[finite, j], minlength=len(edges) + 1)
                     for j in range(targets.shape[1])], axis=1)
    means = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1.0)[:, None], overall[None, :])
    test_finite = np.isfinite(x_test)
    predicted = np.tile(overall, (len(x_test), 1))
    predicted[test_finite] = means[np.searchsorted(edges, x_test[test_finite], side="right")]
    scores = predicted[:, 0] if task != "multiclass" else predicted
    return skill(y_test, scores, task, classes)


def single_feature_importance(data: TargetData, splits: Splits, columns: list[str]) -> pd.DataFrame:
    """SFI of ``columns``: ``sfi`` (mean over folds) and ``sfi_std``."""
    per_fold = {}
    for k, (train, test) in enumerate(splits):
        if not trainable(data.y[train], data.task):
            continue
        per_fold[k] = [binned_mean_skill(data.X[c].to_numpy()[train], data.y[train], data.X[c].to_numpy()[test],
                                         data.y[test], data.task) for c in columns]
    table = pd.DataFrame(per_fold, index=columns)
    return pd.DataFrame({"sfi": table.mean(axis=1), "sfi_std": table.std(axis=1, ddof=0)})


def model_importance(data: TargetData, splits: Splits, columns: list[str], seed: int = 0) -> pd.DataFrame:
    """MDA (``mda``, ``mda_std``) and gain share (``gain``) of ``columns`` for the quick model."""
    rng = np.random.default_rng(seed)
    X = data.X[columns].to_numpy()
    mda, gain = {}, {}
    for k, (train, test) in enumerate(splits):
        if not trainable(data.y[train], data.task):
            continue
        model = fit_quick_model(X[train], data.y[train], data.task, seed)
        X_test, y_test = X[test], data.y[test]
        base = model.skill(X_test, y_test)
        drops = []
        for j in range(len(columns)):
            shuffled = X_test.copy()
            shuffled[:, j] = rng.permutation(shuffled[:, j])
            drops.append(base - model.skill(shuffled, y_test))
        mda[k] = drops
        gains = model.gain()
        gain[k] = gains / gains.sum() if gains.sum() > 0 else gains
    mda_table, gain_table = pd.DataFrame(mda, index=columns), pd.DataFrame(gain, index=columns)
    return pd.DataFrame({"mda": mda_table.mean(axis=1), "mda_std": mda_table.std(axis=1, ddof=0),
                         "gain": gain_table.mean(axis=1)})
