"""Standardising feature rows with the training window's statistics, missing values imputed first.

A missing value (NaN) takes the training median of its feature before standardising: it adds no
distance on that axis, so a row is judged by the features it has (a tree model reads NaN as its
own branch, which a distance cannot). An infinite value is none the training saw: the row is
marked, and the gate scores it as infinitely novel. Statistics ignore NaN and infinite training
values; a feature constant in training keeps scale 1 (any change of it is a change in its own units).
The standard deviation is the population one (ddof 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.novelty._frames import TrainingColumns


@dataclass(frozen=True)
class Scaling:
    """Per feature: the median a missing value takes, the mean and the scale (float64 arrays)."""

    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray

    @classmethod
    def fit(cls, training: pd.DataFrame, columns: TrainingColumns) -> Scaling:
        """The statistics of the measured ``columns`` of ``training`` (see the module docstring)."""
        def feature_stats(values: np.ndarray) -> tuple[float, float, float]:
            finite = values[np.isfinite(values)]
            scale = float(finite.std())
            return float(np.median(finite)), float(finite.mean()), scale if scale > 0 else 1.0

        stats = columns.each(training, feature_stats)
        medians, means, scales = (np.array(column, dtype="float64") for column in zip(*stats, strict=True))
        return cls(medians, means, scales)

    def transform(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Standardised ``values`` (rows x features, float64) as float32, and which rows held an infinite value."""
        infinite = np.isinf(values).any(axis=1)
        filled = np.where(np.isfinite(values), values, self.medians)
        return ((filled - self.means) / self.scales).astype(np.float32), infinite
