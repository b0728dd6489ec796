"""Clusters of features that carry the same information, so that one representative is kept.

Within each training fold, features are clustered hierarchically (average linkage) on the
distance 1 - |Spearman correlation| over that fold's rows, cut where correlation drops
below the threshold. The folds then vote: two features end in one cluster when they were
clustered together in at least half of the folds. Nothing here sees test rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

MAX_ROWS = 5_000  # rows a fold's correlation matrix uses (evenly spaced): plenty for |rho| near 0.9


def _clusters_from_distance(distance: np.ndarray, cut: float) -> np.ndarray:
    """Cluster labels (1..k) from a square distance matrix, average linkage cut at ``cut``."""
    if len(distance) == 1:
        return np.ones(1, dtype=int)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(np.clip(distance, 0.0, None), checks=False), method="average")
    return fcluster(tree, t=cut, criterion="distance")


def correlation_clusters(X: pd.DataFrame, threshold: float) -> np.ndarray:
    """Cluster label per column of ``X``: columns with |Spearman| >= about ``threshold`` share one.

    >>> x = np.arange(50.0)
    >>> correlation_clusters(pd.DataFrame({"a": x, "b": x ** 3, "c": np.sin(x)}), 0.9).tolist()
    [1, 1, 2]
    """
    step = max(1, len(X) // MAX_ROWS)
    ranks = X.iloc[::step].rank()
    correlation = ranks.corr(min_periods=3).abs().fillna(0.0).to_numpy()
    return _clusters_from_distance(1.0 - correlation, 1.0 - threshold)


def consensus_clusters(labelings: list[np.ndarray], names: list[str]) -> pd.Series:
    """One cluster id per feature from per-fold labelings: together in at least half of the folds."""
    if not labelings:
        return pd.Series(np.arange(1, len(names) + 1), index=names)
    together = np.mean([labels[:, None] == labels[None, :] for labels in labelings], axis=0)
    return pd.Series(_clusters_from_distance(1.0 - together, 0.5), index=names)
