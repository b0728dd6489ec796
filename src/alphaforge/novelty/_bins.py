"""The training window's distribution of each feature, as the PSI of the drift report bins it.

Bins are cut at the training window's quantiles (empirical quantiles, so the edges are values the
features took and a discrete feature keeps one bin per value) and closed on the right; repeated
edges merge; infinite values fall in the outer bins. Shares are of the values present: missing
values (NaN) are counted apart, since a training matrix holds the warm-up rows of long windows
that a live window never has, and counting them as a bin would read every such feature as shifted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.novelty._frames import TrainingColumns, check_training


def bin_shares(values: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, float]:
    """The share of the present ``values`` in each bin of ``edges`` (see the module docstring; all
    NaN when none is present), and the share of ``values`` missing.

    Counted edge by edge: the values at or below each edge (a NaN is at or below none), whose
    differences are the bins' counts; one comparison pass per edge, where placing each value
    among the edges took 25 ms a column of 1 M rows against 4."""
    missing = int(np.count_nonzero(np.isnan(values)))
    present = len(values) - missing
    at_most = [np.count_nonzero(values <= edge) for edge in edges]
    counts = np.diff(np.array([0, *at_most, present], dtype=np.int64))
    shares = counts / present if present else np.full(len(edges) + 1, np.nan)
    return shares, missing / len(values) if len(values) else float("nan")


@dataclass(frozen=True)
class DriftBaseline:
    """Per feature, in the gate's order: the inner bin edges, the training window's bin shares and
    its share of missing values."""

    features: tuple[str, ...]
    edges: tuple[np.ndarray, ...]
    shares: tuple[np.ndarray, ...]
    missing: tuple[float, ...]
    rows: int
    bins: int

    @classmethod
    def fit(cls, training: pd.DataFrame, bins: int = 10, columns: TrainingColumns | None = None) -> DriftBaseline:
        """The bins of ``training``'s features (its measured ``columns`` when the caller checked it
        already), ``bins`` quantile bins per feature at most."""
        columns = columns or check_training(training)
        quantiles = np.linspace(0.0, 1.0, bins + 1)[1:-1]

        def feature_bins(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
            cuts = np.unique(np.quantile(values[np.isfinite(values)], quantiles, method="inverted_cdf"))
            return (cuts, *bin_shares(values, cuts))

        edges, shares, missing = zip(*columns.each(training, feature_bins))
        return cls(tuple(columns.names), tuple(edges), tuple(shares), tuple(missing), len(training), bins)
