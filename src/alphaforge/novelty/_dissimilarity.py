"""The dissimilarity index (DI) of FreqAI: how far a row lies from the rows a model trained on.

Rows are standardised with the training window's statistics (missing values imputed with the
training median first, :mod:`alphaforge.novelty._scaling`). A row's DI is the mean Euclidean
distance to its ``neighbours`` nearest training rows over the training rows' characteristic
distance, their mean pairwise distance. Both are measured on a fixed, seeded sample of at most
``reference_rows`` training rows, saved with the model, so scoring costs the same whether the
model saw ten thousand rows or ten million. The characteristic distance is the mean over distinct
pairs of that sample (all pairs when few, else a seeded sample of pairs; FreqAI counts each row's
zero distance to itself too, which lowers it by a factor of about (n - 1) / n).

DI 1 reads: as far from the nearest training row as two typical training rows are from each
other. Rows of the training distribution score far below 1 (the nearest of many rows is much
nearer than a typical one); rows of a window unlike any the model saw score near or above it.
A row of the reference sample itself scores 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from alphaforge.artifacts.novelty import DriftBins, NoveltyGateFile, ReferenceSample
from alphaforge.artifacts.novelty import Scaling as ScalingRecord
from alphaforge.errors import InputError
from alphaforge.novelty._base import ROWS, NoveltyGate
from alphaforge.novelty._bins import DriftBaseline
from alphaforge.novelty._frames import TRAINING, TrainingColumns, row_values
from alphaforge.novelty._scaling import Scaling

_PAIRS = 200_000  # pairs the characteristic distance is averaged over: its relative error is ~0.1 %
_CHUNK = 50_000


def mean_pairwise_distance(sample: np.ndarray, rng: np.random.Generator) -> float:
    """The mean Euclidean distance between distinct rows of ``sample``: over every pair when
    there are at most ``_PAIRS``, else over ``_PAIRS`` pairs drawn uniformly with ``rng``."""
    n = len(sample)
    if n * (n - 1) // 2 <= _PAIRS:
        from scipy.spatial.distance import pdist

        return float(pdist(sample.astype(np.float64)).mean())
    first = rng.integers(0, n, _PAIRS)
    second = (first + rng.integers(1, n, _PAIRS)) % n  # any row but the first, uniformly
    total = 0.0
    for start in range(0, _PAIRS, _CHUNK):
        a, b = first[start:start + _CHUNK], second[start:start + _CHUNK]
        total += float(np.linalg.norm(sample[a].astype(np.float64) - sample[b], axis=1).sum())
    return total / _PAIRS


class DissimilarityIndex(NoveltyGate):
    """Flags rows whose DI (see the module docstring) is above ``threshold``.

    >>> rng = np.random.default_rng(0)
    >>> training = pd.DataFrame(rng.normal(size=(2000, 3)), columns=["a", "b", "c"])
    >>> gate = DissimilarityIndex(threshold=1.0, seed=0).fit(training)
    >>> gate.flags(pd.DataFrame({"a": [0.1, 6.0], "b": [0.0, 6.0], "c": [-0.2, 6.0]})).tolist()
    [False, True]
    """

    method: ClassVar[str] = "di"

    scaling_: Scaling
    reference_: np.ndarray
    distance_: float

    def __init__(self, threshold: float = 1.0, neighbours: int = 1, reference_rows: int = 20_000,
                 psi_bins: int = 10, seed: int = 0) -> None:
        super().__init__(threshold=threshold, psi_bins=psi_bins, seed=seed)
        self.neighbours = int(neighbours)
        self.reference_rows = int(reference_rows)
        self._index: Any = None

    def _fit(self, training: pd.DataFrame, columns: TrainingColumns) -> None:
        rng = np.random.default_rng(self.seed)
        rows = np.sort(rng.choice(len(training), size=min(self.reference_rows, len(training)), replace=False))
        if self.neighbours > len(rows):
            raise InputError(f"{self.neighbours} neighbours asked of {len(rows)} reference rows", where=TRAINING,
                             fix="lower [novelty] neighbours, or fit the gate on more rows")
        self.scaling_ = Scaling.fit(training, columns)
        self.reference_ = self.scaling_.transform(training.iloc[rows, columns.positions].to_numpy(dtype="float64"))[0]
        self.distance_ = mean_pairwise_distance(self.reference_, rng)
        if not self.distance_ > 0:
            raise InputError("the training rows are one point once standardised: no distance to compare with",
                             where=TRAINING, fix="fit the gate on rows whose features vary")
        self._index = None

    def score(self, rows: pd.DataFrame, *, where: str = ROWS) -> pd.Series:
        """Each row's DI, indexed like ``rows`` (infinite for a row holding an infinite value)."""
        standardised, infinite = self.scaling_.transform(row_values(rows, self.features_, where=where))
        index = np.full(len(standardised), np.inf)
        finite = ~infinite
        if finite.any():
            distances, _ = self._neighbours().kneighbors(standardised[finite], n_neighbors=self.neighbours)
            index[finite] = distances.astype(np.float64).mean(axis=1) / self.distance_
        return pd.Series(index, index=rows.index, name="di")

    def _neighbours(self) -> Any:
        """The nearest-neighbour search over the reference sample (built once, on first use)."""
        if self._index is None:
            from sklearn.neighbors import NearestNeighbors

            self._index = NearestNeighbors(n_neighbors=self.neighbours).fit(self.reference_)
        return self._index

    def save(self, folder: Path) -> Path:
        """``gate.json`` and ``reference.npy`` in ``folder`` (:class:`~alphaforge.artifacts.NoveltyGateFile`)."""
        baseline = self.baseline_
        document = NoveltyGateFile(
            method="di", features=self.features_, ignored=self.ignored_, threshold=self.threshold,
            neighbours=self.neighbours,
            scaling=ScalingRecord(medians=self.scaling_.medians.tolist(), means=self.scaling_.means.tolist(),
                                  scales=self.scaling_.scales.tolist()),
            distance=self.distance_, seed=self.seed, training_rows=self.training_rows_,
            reference=ReferenceSample.of(self.reference_), psi_bins=baseline.bins,
            drift={name: DriftBins(edges=edges.tolist(), shares=shares.tolist(), missing=missing)
                   for name, edges, shares, missing in zip(baseline.features, baseline.edges, baseline.shares,
                                                           baseline.missing, strict=True)})
        return document.save_folder(folder, self.reference_)

    @classmethod
    def from_file(cls, document: NoveltyGateFile, sample: np.ndarray) -> DissimilarityIndex:
        """The gate a saved ``gate.json`` and its reference sample describe, ready to score."""
        gate = cls(threshold=document.threshold, neighbours=document.neighbours, reference_rows=document.reference.rows,
                   psi_bins=document.psi_bins, seed=document.seed)
        gate.features_, gate.ignored_ = list(document.features), list(document.ignored)
        gate.training_rows_ = document.training_rows
        bins = [document.drift[name] for name in gate.features_]
        gate.baseline_ = DriftBaseline(
            tuple(gate.features_), tuple(np.array(b.edges, dtype="float64") for b in bins),
            tuple(np.array(b.shares, dtype="float64") for b in bins), tuple(b.missing for b in bins),
            document.training_rows, document.psi_bins)
        record = document.scaling
        gate.scaling_ = Scaling(*(np.array(v, dtype="float64") for v in (record.medians, record.means, record.scales)))
        gate.reference_ = sample
        gate.distance_ = document.distance
        return gate
