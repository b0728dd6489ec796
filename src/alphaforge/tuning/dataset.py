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

    ``task`` is ``regression``, ``binary`` or ``multiclass``; ``fingerprint`` identifies the
    data (a study refuses to continue on different data); ``symbols`` and ``features`` are
    recorded in ``best_config.json`` for the final training.
    """

    target: str
    X: pd.DataFrame
    y: np.ndarray
    spans: LabelSpans
    task: str
    fingerprint: str

    def __post_init__(self) -> None:
        if not len(self.X) == len(self.y) == len(self.spans):
            raise InputError(f"X has {len(self.X)} rows, y {len(self.y)}, spans {len(self.spans)}",
                             where=f"tuning data for {self.target}", fix="build X, y and spans from the same rows")
        if len(self.y) == 0:
            raise InputError("no labelled rows", where=f"tuning data for {self.target}",
                             fix="check the target and the data range ([data] start/end)")

    @property
    def features(self) -> list[str]:
        return [str(c) for c in self.X.columns]

    @property
    def symbols(self) -> list[str]:
        return [] if self.spans.symbols is None else sorted(set(self.spans.symbols.tolist()))

    @property
    def times(self) -> np.ndarray:
        """Each row's sample time t0 (int64), the period a trading metric groups by."""
        return self.spans.t0


def fingerprint_of(parts: Any) -> str:
    """sha256 of a JSON-able description of the inputs (e.g. the matrix's input fingerprints)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def load_tuning_data(workspace: Workspace, config: Config, target: str) -> TuningData:
    """The training matrix of ``target`` on the configured symbols, as :class:`TuningData`."""
    from alphaforge.pipeline.matrix import training_matrix
    from alphaforge.selection.scoring import task_of

    X, y, keys, t1, fingerprints = training_matrix(workspace, config, target, config.data.symbols or None)
    labels = np.asarray(y, dtype=np.float64)
    spans = LabelSpans.from_arrays(pd.Series(keys["timestamp"]).to_numpy(), pd.Series(t1).to_numpy(),
                                   keys["symbol"])
    return TuningData(target, X.reset_index(drop=True), labels, spans, task_of(labels), fingerprint_of(fingerprints))
