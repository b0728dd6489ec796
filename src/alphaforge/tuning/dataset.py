"""The rows a study scores its trials on: features, labels, label spans, task and fingerprint.

Tuning, extended CV and analysis all read the same :class:`TuningData`, so the folds, the
purging and the data fingerprint recorded with every result agree. ``load_tuning_data``
builds it from the workspace through the shared training matrix (the same rows the final
training uses).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.config import Config
from alphaforge.errors import InputError
from alphaforge.validation import LabelSpans
from alphaforge.workspace import Workspace


@dataclass(frozen=True)
class TuningData:
    """Labelled rows of one target: ``X``, ``y`` and ``spans`` aligned row by row.

    ``X`` keeps the matrix's (symbol, timestamp) index (sequence models read it). ``task`` is
    ``regression``, ``binary`` or ``multiclass``; ``fingerprint`` identifies the data (a study
    refuses to continue on different data); ``symbols`` and ``features`` are recorded with
    every checkpoint and in ``best_config.json`` for the final training.
    """

    target: str
    X: pd.DataFrame
    y: np.ndarray
    spans: LabelSpans
    task: str
    fingerprint: str
    y_fit: np.ndarray | None = None
    """What models are fitted to (the label transformed per timestamp on panels); None: ``y``."""

    def __post_init__(self) -> None:
        if not len(self.X) == len(self.y) == len(self.spans):
            raise InputError(f"X has {len(self.X)} rows, y {len(self.y)}, spans {len(self.spans)}",
                             where=f"tuning data for {self.target}", fix="build X, y and spans from the same rows")
        if len(self.y) == 0:
            raise InputError("no labelled rows", where=f"tuning data for {self.target}",
                             fix="check the target and the data range ([data] start/end)")

    @cached_property  # computed once per instance (every checkpoint's config.json records both)
    def features(self) -> list[str]:
        return [str(c) for c in self.X.columns]

    @cached_property
    def symbols(self) -> list[str]:
        return [] if self.spans.symbols is None else sorted(set(self.spans.symbols.tolist()))

    @property
    def fit_labels(self) -> np.ndarray:
        """The labels models learn (``y_fit``, else ``y``); scores always read ``y``."""
        return self.y if self.y_fit is None else self.y_fit

    @property
    def times(self) -> np.ndarray:
        """Each row's sample time t0 (int64), the period a trading metric groups by."""
        return self.spans.t0


def fingerprint_of(parts: Any) -> str:
    """sha256 of a JSON-able description of the inputs (e.g. the matrix's fingerprints)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def thin(data: TuningData, max_rows: int) -> TuningData:
    """Keep every k-th sample time (all symbols at once) so at most about ``max_rows`` rows remain.

    Whole cross-sections stay together and each row keeps its own t1, so purging stays exact;
    an embargo counted in bars then counts kept sample times. ``max_rows=0`` keeps everything.
    """
    if max_rows <= 0 or len(data.y) <= max_rows:
        return data
    grid = np.unique(data.times)
    step = int(np.ceil(len(data.y) / max_rows))
    rows = np.flatnonzero(np.isin(data.times, grid[::step]))
    return TuningData(data.target, data.X.iloc[rows], data.y[rows], data.spans[rows], data.task,
                      fingerprint_of([data.fingerprint, "every", step]), data.fit_labels[rows])


def load_tuning_data(workspace: Workspace, config: Config, target: str, max_rows: int = 0) -> TuningData:
    """The training matrix of ``target`` on the configured symbols, thinned to ``max_rows`` rows."""
    from alphaforge.matrix import training_matrix

    matrix = training_matrix(workspace, config, target, config.data.symbols or None)
    symbols = matrix.X.index.get_level_values("symbol").astype(str).to_numpy()
    spans = LabelSpans.from_arrays(matrix.timestamps, matrix.t1, symbols)
    data = TuningData(matrix.target, matrix.X, matrix.y, spans, matrix.task,
                      fingerprint_of([matrix.data_fingerprint, matrix.feature_fingerprint, matrix.panel.to_dict()]),
                      matrix.y_fit)
    return thin(data, max_rows)
