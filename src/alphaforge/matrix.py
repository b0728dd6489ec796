"""The training matrix: features and one target for every labelled (symbol, timestamp).

``training_matrix`` reads the workspace's raw bars (and aligned macro) as the config selects
them, builds features through the feature cache (``data/features/``) and the target through
the target cache (``data/targets/``), and joins them row by row. Rows without a label are
dropped; missing feature values stay NaN (LightGBM/XGBoost/histogram boosting handle them;
other families fit an imputer inside the training fold). Rows are ordered by
(timestamp, symbol) so that a time-ordered split is a split of rows, and ``X`` is indexed by
(symbol, timestamp) so sequence models can find each symbol's history.

Once ``alphaforge store fill`` has put the target in the store, the matrix is read from the
store's training table instead (same layout): setups held out there never reach training.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.config import Config
from alphaforge.errors import InputError
from alphaforge.features import features_for_columns
from alphaforge.features.cache import feature_fingerprint
from alphaforge.features.cross_sectional import RANK_PREFIX
from alphaforge.features.registry import Feature
from alphaforge.heap import release_unused
from alphaforge.models.base import INPUT_DTYPE, Task
from alphaforge.models.compat import check_features_present
from alphaforge.models.panel import (
    PanelPlan,
    configured_model_features,
    cross_section_size,
    plan_panel,
    transform_labels,
)
from alphaforge.store.matrix import read_training_matrix, store_has
from alphaforge.store.tables import as_utc
from alphaforge.inputs import ModelInputs
from alphaforge.targets import is_regression, parse_target, t1_column, task_of
from alphaforge.workspace import Workspace

@dataclass
class TrainingMatrix:
    """Features ``X`` (fixed column order, index (symbol, timestamp)), labels ``y`` and their spans.

    ``y`` is the raw label every metric reads; ``y_fit`` is what models are fitted to (``y``
    transformed per timestamp on panels, see :mod:`alphaforge.models.panel`); ``panel`` says
    how the data is learned.
    """

    X: pd.DataFrame
    y: np.ndarray
    timestamps: pd.DatetimeIndex
    t1: pd.DatetimeIndex
    target: str
    task: Task
    data_fingerprint: str
    feature_fingerprint: str
    panel: PanelPlan
    y_fit: np.ndarray
    notices: list[str] = field(default_factory=list)

    @property
    def feature_names(self) -> list[str]:
        return [str(c) for c in self.X.columns]

    @property
    def symbols(self) -> list[str]:
        """Symbols present, sorted."""
        return sorted(self.X.index.get_level_values("symbol").unique().astype(str))

    def take(self, rows: np.ndarray) -> TrainingMatrix:
        """The matrix of ``rows`` (positions, in order): a retrain's window of a longer history. Label
        transforms are per timestamp, so a row keeps its ``y_fit``."""
        return replace(self, X=self.X.iloc[rows], y=self.y[rows], timestamps=self.timestamps[rows], t1=self.t1[rows],
                       y_fit=self.y_fit[rows])

    def write_for_workers(self, folder: Path) -> Path:
        """Hand this matrix to executor workers through ``folder`` (a run's temporary folder on a
        filesystem the workers see): the features as one ``.npy`` block the workers map read-only
        (one copy in the page cache however many workers read it), the rest pickled beside it.
        The files live as long as the run's tasks; :meth:`read_in_worker` opens them."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / _WORKER_FEATURES, np.ascontiguousarray(self.X.to_numpy(dtype=INPUT_DTYPE)))
        rest = replace(self, X=self.X.iloc[:0])
        (folder / _WORKER_REST).write_bytes(pickle.dumps((rest, self.X.index), protocol=pickle.HIGHEST_PROTOCOL))
        return folder

    @classmethod
    def read_in_worker(cls, folder: Path) -> TrainingMatrix:
        """The matrix :meth:`write_for_workers` left in ``folder``, opened once per worker process
        (the tasks a worker runs for one walk-forward share it)."""
        if _OPENED.get(folder) is None:
            rest, index = pickle.loads((folder / _WORKER_REST).read_bytes())
            values = np.load(folder / _WORKER_FEATURES, mmap_mode="r")
            _OPENED.clear()
            _OPENED[folder] = replace(rest, X=pd.DataFrame(values, index=index, columns=rest.X.columns, copy=False))
        return _OPENED[folder]


_WORKER_FEATURES, _WORKER_REST = "features.npy", "matrix.pickle"
_OPENED: dict[Path, TrainingMatrix] = {}
"""The matrix this worker process opened last (:meth:`TrainingMatrix.read_in_worker`)."""


def features_fingerprint(features: Sequence[Feature], columns: Sequence[str]) -> str:
    """sha256 over the feature definitions (code and parameters) and the ordered output columns."""
    digest = hashlib.sha256()
    for feature in features:
        digest.update(f"{feature.name}={feature_fingerprint(feature)}\n".encode())
    digest.update(",".join(columns).encode())
    return digest.hexdigest()


def panel_plan(config: Config, target: str, timestamps: object) -> PanelPlan:
    """How ``target`` is learned on rows with these timestamps (see :mod:`alphaforge.models.panel`)."""
    return plan_panel(config.models, regression=is_regression(target),
                      cross_section=cross_section_size(pd.DatetimeIndex(timestamps).asi8))


def kept_columns(columns: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """``columns`` without the excluded ones (e.g. flagged by the truncation test) and without the
    cross-sectional ranks of excluded features (``xsr_<excluded>``).

    >>> kept_columns(["px_ret_1", "xsr_px_peek_1", "px_peek_1"], ["px_peek_1"])
    ['px_ret_1']
    """
    dropped = set(exclude)
    return [c for c in columns if c not in dropped and c.removeprefix(RANK_PREFIX) not in dropped]


def shared_training_matrix(shared: dict[str, Any] | None, workspace: Workspace, config: Config, target: str,
                           symbols: Sequence[str] | None = None, features: Sequence[str] | None = None,
                           exclude: Sequence[str] = ()) -> TrainingMatrix:
    """:func:`training_matrix`, built once per ``shared`` store (a run's :attr:`StageContext.shared`):
    the walk-forward and the final training of a run read the same rows, so the second stage
    reuses the first one's matrix instead of assembling 1 M rows again. Without a store, built afresh."""
    if shared is None:
        return training_matrix(workspace, config, target, symbols, features, exclude)
    key = repr(("training_matrix", parse_target(target).name, sorted(symbols or []), list(features or []),
                sorted(exclude)))
    if key not in shared:
        shared[key] = training_matrix(workspace, config, target, symbols, features, exclude)
    return shared[key]


def training_matrix(workspace: Workspace, config: Config, target: str, symbols: Sequence[str] | None = None,
                    features: Sequence[str] | None = None, exclude: Sequence[str] = ()) -> TrainingMatrix:
    """The labelled feature table for ``target`` (see the module docstring).

    ``features`` (column names in order, as a model's config or ``best_config.json`` records
    them) replaces the config's feature set; ``symbols`` the config's symbols; ``exclude``
    names feature columns to leave out (:func:`kept_columns`). Notices (e.g. features skipped
    for lack of inputs) are collected.
    """
    matrix = _assembled(workspace, config, parse_target(target).name, symbols, features, exclude)
    release_unused()  # the feature and target tables it was assembled from, freed into Arrow's pool
    return matrix


def _assembled(workspace: Workspace, config: Config, canonical: str, symbols: Sequence[str] | None,
               features: Sequence[str] | None, exclude: Sequence[str]) -> TrainingMatrix:
    if store_has(workspace, canonical):  # `alphaforge store fill` ran: read it, without the held-out setups
        return _from_store(workspace, config, canonical, symbols, features, exclude)
    inputs = ModelInputs.load(workspace, config, symbols=symbols)
    plan = panel_plan(config, canonical, inputs.bars["timestamp"])
    selected = features_for_columns(features) if features else configured_model_features(config, plan)
    stream = inputs.feature_stream(selected)
    rows = stream.rows
    targets, _ = inputs.targets([canonical])
    if not (rows["symbol"].astype(str).to_numpy() == targets["symbol"].to_numpy()).all():
        raise InputError("feature and target rows are not aligned", where="training matrix",
                         fix="clear data/features and data/targets and run again")
    labels = targets[canonical].to_numpy(dtype=np.float64)
    keep = np.flatnonzero(np.isfinite(labels))
    if len(keep) == 0:
        raise InputError(f"target {canonical} has no label on these bars", where="training data",
                         fix="use more bars per symbol than the target's horizon, or another target")
    symbol = rows["symbol"].to_numpy().astype(str)
    stamps = as_utc(rows["timestamp"])
    order = keep[np.lexsort((symbol[keep], stamps.asi8[keep]))]
    columns = list(features) if features else stream.columns
    check_features_present(columns, ["symbol", "timestamp", *stream.columns], where="training matrix")
    columns = kept_columns(columns, exclude)
    index = pd.MultiIndex.from_arrays([symbol[order], stamps[order]], names=["symbol", "timestamp"])
    # one float32 block filled a feature at a time: the float64 feature table is never whole in memory.
    # Row-major, so that a time range of rows (a fold's training rows, a time split's parts) is a
    # contiguous block a model reads without a copy (training.rows_of): at 1 M rows the copy of a
    # fold's rows was 320 MB on top of LightGBM's own peak; LightGBM bins either layout the same
    values = np.empty((len(order), len(columns)), dtype=INPUT_DTYPE, order="C")
    with inputs.recording():
        _fill_rows(values, {column: j for j, column in enumerate(columns)}, stream, order)
    X = pd.DataFrame(values, columns=columns, index=index, copy=False)
    y = labels[order]
    return TrainingMatrix(X=X, y=y, timestamps=stamps[order], t1=as_utc(targets[t1_column(canonical)])[order],
                          target=canonical, task=task_of(canonical, y),
                          data_fingerprint=stream.location.data_key,
                          feature_fingerprint=features_fingerprint(selected, columns), panel=plan,
                          y_fit=transform_labels(y, stamps.asi8[order], plan.label_transform),
                          notices=inputs.notices)


COLUMNS_AT_ONCE = 16
"""Feature columns written into the matrix together: 16 float32 values of a row are a cache line."""
ROWS_AT_ONCE = 1 << 13
"""Rows written at a time: the block's part (16 x 8 192 float32, 512 KB) stays in the CPU's cache."""


def _fill_rows(values: np.ndarray, position: dict[str, int], parts: Iterable[pd.DataFrame],
               order: np.ndarray) -> None:
    """Fill the row-major ``values`` with the feature columns ``parts`` yield (those named in
    ``position``), row ``i`` taken from the parts' row ``order[i]``. Each column is reordered
    on its own (contiguous), then :data:`COLUMNS_AT_ONCE` of them are written into the matrix a
    few thousand rows at a time: writing each column straight into the matrix touched one cache
    line of it per value (1.8 s of 95 columns at 1 M rows)."""
    block = np.empty((COLUMNS_AT_ONCE, len(order)), dtype=values.dtype)
    targets: list[int] = []

    def flush() -> None:
        if not targets:
            return
        wide = slice(targets[0], targets[-1] + 1) if targets == list(range(targets[0], targets[-1] + 1)) else targets
        for start in range(0, len(order), ROWS_AT_ONCE):
            rows = slice(start, start + ROWS_AT_ONCE)
            values[rows, wide] = block[:len(targets), rows].T
        targets.clear()

    for part in parts:
        for column in part.columns:
            if column in position:
                block[len(targets)] = part[column].to_numpy()[order]
                targets.append(position[column])
                if len(targets) == COLUMNS_AT_ONCE:
                    flush()
    flush()


def _from_store(workspace: Workspace, config: Config, target: str, symbols: Sequence[str] | None,
                columns: Sequence[str] | None, exclude: Sequence[str]) -> TrainingMatrix:
    """The same matrix read from the store's training table (see :mod:`alphaforge.store.matrix`);
    ``columns``, when given, are the exact feature columns in their order, else the configured
    model features (the store holds what `store fill` computed for them)."""
    read = read_training_matrix(workspace, target, None, symbols, config=config)
    stamps = read.X.index.get_level_values("timestamp")
    plan = panel_plan(config, target, stamps)
    selected = features_for_columns(columns) if columns else configured_model_features(config, plan)
    stored = [str(c) for c in read.X.columns]
    wanted = list(columns) if columns else [c for f in selected for c in stored
                                            if c == f.name or (f.kind == "macro" and c.startswith(f"{f.name}_"))]
    missing = [f.name for f in selected if f.name not in read.skipped
               and not any(c == f.name or c.startswith(f"{f.name}_") for c in wanted)]
    if missing:
        raise InputError(f"feature(s) not in the store: {missing[:8]}", where=str(workspace.store_path),
                         fix="refill the store for the current configuration (`alphaforge store fill`)")
    check_features_present(wanted, stored, where=str(workspace.store_path))
    wanted = kept_columns(wanted, exclude)
    X = read.X[wanted]
    return TrainingMatrix(X=X, y=read.y, timestamps=stamps, t1=read.t1,
                          target=target, task=task_of(target, read.y), data_fingerprint=read.data_fingerprint,
                          feature_fingerprint=features_fingerprint(selected, wanted), panel=plan,
                          y_fit=transform_labels(read.y, stamps.asi8, plan.label_transform),
                          notices=[f"features skipped for lack of inputs: {', '.join(read.skipped)}"]
                          if read.skipped else [])
