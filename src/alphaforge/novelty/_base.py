"""The base of every novelty gate: fitted on a model's training rows, it scores prediction rows
by how unlike them they are and flags those above its threshold.

A gate follows scikit-learn's estimator conventions: the constructor stores settings, :meth:`fit`
learns attributes ending in ``_`` (the features, the drift report's training bins) and returns the
gate. Implementations (one private file each) fill in :meth:`_fit`, :meth:`score` and :meth:`save`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar, Self

import pandas as pd

from alphaforge.errors import InputError
from alphaforge.novelty._bins import DriftBaseline
from alphaforge.novelty._frames import TRAINING, TrainingColumns, check_training, left_out_notices

ROWS = "the rows scored by the novelty gate"


class NoveltyGate(ABC):
    """A fitted check of prediction rows against the rows a model was trained on."""

    method: ClassVar[str]
    """The name ``[novelty] method`` gives this gate."""

    features_: list[str]
    ignored_: list[str]
    training_rows_: int
    _baseline: DriftBaseline | None

    def __init__(self, *, threshold: float, psi_bins: int, seed: int) -> None:
        if not threshold > 0:
            raise InputError(f"threshold {threshold!r} is not above 0", where="novelty gate (threshold)",
                             fix="set [novelty] threshold to a positive number (1 flags rows as far from the "
                                 "training rows as they are from each other)")
        self.threshold = float(threshold)
        self.psi_bins = int(psi_bins)
        self.seed = int(seed)

    def fit(self, training: pd.DataFrame, *, where: str = TRAINING, drift: bool = True) -> Self:
        """Learn what ``training`` (feature columns, one row per training sample) looks like; the
        features it measures are ``features_``, those without a value in training ``ignored_``.
        ``drift=False`` leaves out the drift baseline (per-feature quantile bins over every training
        row, a third of the fit) for a caller that only scores rows, like the as-live walk-forward:
        such a gate has no drift report and is not saved."""
        columns = check_training(training, where=where)
        self.features_, self.ignored_ = columns.names, columns.ignored
        self.training_rows_ = len(training)
        self._baseline = DriftBaseline.fit(training, self.psi_bins, columns) if drift else None
        self._fit(training, columns)
        return self

    @property
    def baseline_(self) -> DriftBaseline:
        """The training rows' per-feature bins the drift report compares with (see :meth:`fit`)."""
        if self._baseline is None:
            raise InputError("this novelty gate was fitted to score rows only, without its drift baseline",
                             where="novelty gate", fix="fit it with drift=True to report drift or save it")
        return self._baseline

    @baseline_.setter
    def baseline_(self, baseline: DriftBaseline) -> None:
        self._baseline = baseline

    @abstractmethod
    def _fit(self, training: pd.DataFrame, columns: TrainingColumns) -> None:
        """The method's own learning, on the measured ``columns`` of checked training rows."""

    def notices(self) -> list[str]:
        """What a caller should tell the user about the fitted gate (features left out)."""
        return left_out_notices(self.ignored_)

    @abstractmethod
    def score(self, rows: pd.DataFrame, *, where: str = ROWS) -> pd.Series:
        """The novelty of each row (higher: less like the training rows), indexed like ``rows``."""

    @abstractmethod
    def save(self, folder: Path) -> Path:
        """Write the fitted gate into ``folder`` (``<version>/novelty/``); returns its main file."""

    def flags(self, rows: pd.DataFrame, *, where: str = ROWS) -> pd.Series:
        """True for each row whose score is above the threshold: a row the model has never seen the like of."""
        return (self.score(rows, where=where) > self.threshold).rename("novel")

    def novel_share(self, rows: pd.DataFrame, *, where: str = ROWS) -> float:
        """The share of ``rows`` flagged novel (NaN for no rows)."""
        flagged = self.flags(rows, where=where)
        return float(flagged.mean()) if len(flagged) else float("nan")
