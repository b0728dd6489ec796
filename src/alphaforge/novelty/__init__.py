"""Refuse what the model has never seen: a novelty score per prediction row, and a drift report.

A model is only as good as the resemblance of today's inputs to those it learned from. Two
measures, both fitted on the training window and saved with every model version (in
``models/<name>/<version>/novelty/``, written by `alphaforge train`):

- **Novelty gate**, per row: FreqAI's dissimilarity index (DI, :class:`DissimilarityIndex`).
  Features are standardised with the training window's mean and standard deviation; a row's DI
  is its mean distance to its ``neighbours`` nearest training rows divided by the training rows'
  mean pairwise distance, both measured on a fixed seeded sample of at most ``reference_rows``
  rows. A row with DI above ``threshold`` (default 1.0, FreqAI's usual ``DI_threshold``: as far
  from the nearest training row as two typical training rows are from each other) is flagged
  novel: the model extrapolates there, and a live loop or an as-live walk-forward can decline to
  trade it. Missing values take the training median before standardising (they add no distance:
  a row is judged by the features it has); an infinite value makes its row infinitely novel; a
  feature with no value anywhere in the training rows is left out and named by
  :meth:`NoveltyGate.notices` (the model cannot split on it either).
- **Drift report**, per feature over a window (:func:`drift_report`): the population stability
  index of the recent rows against the training window's quantile bins, read as < 0.1 stable,
  0.1 to 0.25 moderate, > 0.25 shifted, with the share of the window's rows flagged novel
  (:class:`DriftReport`, drawn by :func:`drift_chart`).

DI catches single rows far from everything seen (a crash, a feature gone wrong); PSI catches a
whole window that has moved while each row may still look ordinary. ``[novelty]`` in
``alphaforge.toml`` holds the settings. Load a model's gate with :func:`load_gate` (or
:meth:`alphaforge.models.registry.ResolvedModel.novelty_gate`).

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> training = pd.DataFrame(rng.normal(size=(5000, 4)), columns=list("abcd"))
>>> gate = DissimilarityIndex(seed=0).fit(training)
>>> recent = pd.DataFrame(rng.normal(loc=3.0, size=(500, 4)), columns=list("abcd"))
>>> report = drift_report(gate, recent)
>>> sorted(report.by_reading("shifted")), report.novel_share > 0.5
(['a', 'b', 'c', 'd'], True)
"""

from alphaforge.novelty._base import NoveltyGate
from alphaforge.novelty._bins import DriftBaseline
from alphaforge.novelty._dissimilarity import DissimilarityIndex, mean_pairwise_distance
from alphaforge.novelty.drift import (
    EPSILON,
    SHIFTED,
    STABLE,
    DriftReport,
    drift_report,
    population_stability_index,
    reading,
)
from alphaforge.novelty.gates import METHODS, configured_gate, load_gate
from alphaforge.novelty.plots import drift_chart

__all__ = [
    "EPSILON",
    "METHODS",
    "SHIFTED",
    "STABLE",
    "DissimilarityIndex",
    "DriftBaseline",
    "DriftReport",
    "NoveltyGate",
    "configured_gate",
    "drift_chart",
    "drift_report",
    "load_gate",
    "mean_pairwise_distance",
    "population_stability_index",
    "reading",
]
