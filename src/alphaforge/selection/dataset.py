"""The rows one target trains on: features, label, label spans and the task, aligned.

Feature and target tables are keyed by (symbol, timestamp). Only rows with a label are kept.
Long panels are thinned to at most ``max_rows`` rows by keeping every k-th timestamp (all
symbols at once), so cross-sections stay whole and purging stays exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.errors import InputError, MissingInputError
from alphaforge.selection.scoring import Task
from alphaforge.targets import task_of
from alphaforge.targets import t1_column
from alphaforge.validation import LabelSpans

KEYS = ["symbol", "timestamp"]


@dataclass(frozen=True)
class TargetData:
    """One target's labelled rows: ``X`` (features), ``y``, ``symbols``, ``spans`` and its ``task``.

    ``overlap`` is how many consecutive rows of a symbol share a label's future (the median
    label span over the median step between rows, at least 1): the noise of a score grows
    with it.
    """

    target: str
    X: pd.DataFrame
    y: np.ndarray
    symbols: np.ndarray
    spans: LabelSpans
    task: Task
    overlap: float

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, rows: np.ndarray) -> TargetData:
        """The same target restricted to row positions ``rows``."""
        return TargetData(self.target, self.X.iloc[rows].reset_index(drop=True), self.y[rows], self.symbols[rows],
                          self.spans[rows], self.task, self.overlap)


def feature_columns(features: pd.DataFrame) -> list[str]:
    """Every column of a feature table except the keys."""
    return [c for c in features.columns if c not in KEYS]


def nanoseconds(timestamps: pd.Series) -> np.ndarray:
    """UTC nanoseconds: tz-aware values would compare as slow Python objects."""
    return pd.DatetimeIndex(timestamps).as_unit("ns").asi8


def aligned(features: pd.DataFrame, targets: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The rows of ``targets`` with a feature row, joined to its ``columns`` (an inner merge on the keys).

    Tables over the very same (symbol, timestamp) rows, in the same order (as the caches write
    them), are put side by side without the merge.
    """
    same_keys = (len(features) == len(targets)
                 and np.array_equal(nanoseconds(features["timestamp"]), nanoseconds(targets["timestamp"]))
                 and np.array_equal(features["symbol"].to_numpy(), targets["symbol"].to_numpy()))
    if same_keys:
        return pd.concat([targets.reset_index(drop=True), features[columns].reset_index(drop=True)], axis=1)
    return targets.merge(features[KEYS + columns], on=KEYS, how="inner")


def _every_kth_time(timestamps: pd.Series, max_rows: int) -> np.ndarray:
    """Row mask keeping every k-th distinct timestamp so that at most about ``max_rows`` rows remain."""
    step = math.ceil(len(timestamps) / max_rows)
    if step <= 1:
        return np.ones(len(timestamps), dtype=bool)
    times = nanoseconds(timestamps)
    grid = np.unique(times)
    return np.isin(times, grid[::-1][::step])


def _overlap(frame: pd.DataFrame, t1: str) -> float:
    """Median label span over the median step between a symbol's consecutive rows."""
    steps = frame.groupby("symbol", sort=False)["timestamp"].diff().dropna()
    if steps.empty:
        return 1.0
    spans = frame[t1] - frame["timestamp"]
    return max(1.0, float(spans.median() / steps.median()))


def target_data(features: pd.DataFrame, targets: pd.DataFrame, target: str, *,
                columns: list[str] | None = None, max_rows: int | None = None) -> TargetData:
    """The labelled rows of ``target`` with ``columns`` (default: every feature) as ``X``.

    ``targets`` holds the target's column and its ``{target}__t1`` column (the target table).
    """
    t1 = t1_column(target)
    missing = [c for c in (target, t1) if c not in targets.columns]
    if missing:
        raise MissingInputError(f"the target table has no column(s) {missing}", where="targets",
                                fix=f"compute the target first (`alphaforge targets build {target}`)")
    columns = feature_columns(features) if columns is None else list(columns)
    unknown = [c for c in columns if c not in features.columns]
    if unknown:
        raise InputError(f"feature column(s) {unknown[:5]} are not in the feature table", where="features",
                         fix="build those features first (`alphaforge features build`)")
    frame = aligned(features, targets[KEYS + [target, t1]], columns)
    frame = frame[frame[target].notna().to_numpy()].reset_index(drop=True)
    if frame.empty:
        raise InputError(f"target {target!r} has no labelled row that has features", where=f"target {target}",
                         fix="check that features and targets were computed from the same bars")
    if max_rows is not None:
        frame = frame[_every_kth_time(frame["timestamp"], max_rows)].reset_index(drop=True)
    y = frame[target].to_numpy(dtype="float64")
    return TargetData(target=target, X=frame[columns].astype("float64"), y=y,
                      symbols=frame["symbol"].astype(str).to_numpy(),
                      spans=LabelSpans.from_frame(frame, t1=t1), task=task_of(target, y), overlap=_overlap(frame, t1))
