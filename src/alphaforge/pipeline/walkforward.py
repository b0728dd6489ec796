"""Walk-forward refits: fold metrics and the out-of-sample predictions a backtest may use.

Each fold trains (best model with early stopping on its own last slice, then the final refit)
only on rows whose labels are known before the test window starts — purged on ``t1`` by
:class:`~alphaforge.validation.WalkForward` — and predicts the window. Every prediction row
records ``trained_until`` (the last label time its model saw), so the backtest can check
row by row that nothing was in-sample.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.config import Config
from alphaforge.models.metrics import score
from alphaforge.models.training import TrainingOutcome, train_best_and_final
from alphaforge.pipeline.matrix import TrainingMatrix, training_matrix
from alphaforge.predict.scores import model_scores
from alphaforge.validation import LabelSpans, WalkForward
from alphaforge.workspace import Workspace, atomic_write_json, atomic_write_table


@dataclass
class WalkForwardResult:
    """Per-fold metrics and the out-of-sample prediction rows."""

    folds: list[dict[str, Any]]
    predictions: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Mean and standard deviation of each fold metric."""
        table = pd.DataFrame([f["metrics"] for f in self.folds])
        return {name: {"mean": float(table[name].mean()), "std": float(table[name].std(ddof=1))
                       if len(table) > 1 else 0.0} for name in table.columns}


def fit_models(matrix: TrainingMatrix, config: Config, family: str, rows: np.ndarray | slice,
               params: dict[str, Any] | None = None) -> TrainingOutcome:
    """The best and final models of ``family`` on ``rows`` of ``matrix``, as ``[models]`` says:
    fitted to the panel-transformed label, stopped on the task's metric, at least ``min_rounds``."""
    return train_best_and_final(
        matrix.X.iloc[rows], matrix.y[rows], timestamps=matrix.timestamps[rows], t1=matrix.t1[rows],
        family=family, task=matrix.task, params=params, seed=config.seed, device=config.models.device,
        validation_fraction=config.models.validation_fraction,
        early_stopping_rounds=config.models.early_stopping_rounds, min_rounds=config.models.min_rounds,
        fit_labels=matrix.y_fit[rows], stopping_metric=matrix.panel.stopping_metric)


def walk_forward(matrix: TrainingMatrix, config: Config, *, family: str, params: dict[str, Any] | None = None,
                 progress: Any = None) -> WalkForwardResult:
    """Refit ``family`` (with ``params``, e.g. tuned ones) over ``config.validation.n_splits``
    walk-forward windows of ``matrix``.

    ``progress(done, total)`` is called after each fold.
    """
    symbols = matrix.X.index.get_level_values("symbol").to_numpy()
    spans = LabelSpans.from_arrays(matrix.timestamps, matrix.t1, symbols)
    splitter = WalkForward(n_splits=config.validation.n_splits, embargo=config.validation.embargo)
    folds, parts = [], []
    limit = config.validation.max_train_rows
    for fold, (train, test) in enumerate(splitter.split(matrix.X, groups=spans)):
        if limit and len(train) > limit:
            train = train[-limit:]
        started = time.perf_counter()
        outcome = fit_models(matrix, config, family, train, params)
        model, test_x = outcome.final, matrix.X.iloc[test]
        metrics = score(matrix.task, model.encode(matrix.y[test]), model.outputs(test_x),
                        groups=matrix.timestamps[test].asi8 if matrix.panel.panel else None)
        trained_until = matrix.t1[train].max()
        parts.append(pd.DataFrame({
            "symbol": symbols[test], "timestamp": matrix.timestamps[test], "score": model_scores(model, test_x),
            "label": matrix.y[test], "fold": fold, "trained_until": trained_until}))
        folds.append({"fold": fold, "train_rows": int(len(train)), "test_rows": int(len(test)),
                      "train_end": trained_until.isoformat(), "test_start": matrix.timestamps[test].min().isoformat(),
                      "test_end": matrix.timestamps[test].max().isoformat(),
                      "best_iteration": outcome.best.best_iteration_, "seconds": time.perf_counter() - started,
                      "metrics": metrics})
        if progress:
            progress(fold + 1, splitter.get_n_splits())
    predictions = pd.concat(parts, ignore_index=True).sort_values(["timestamp", "symbol"], kind="stable")
    return WalkForwardResult(folds, predictions.reset_index(drop=True))


def fold_table(result: WalkForwardResult) -> list[dict[str, Any]]:
    """One flat row per fold (for tables and reports)."""
    return [{"fold": f["fold"], "train_rows": f["train_rows"], "test_rows": f["test_rows"],
             "test_start": f["test_start"], "test_end": f["test_end"],
             **{k: (round(v, 6) if isinstance(v, float) and np.isfinite(v) else v) for k, v in f["metrics"].items()}}
            for f in result.folds]


WALK_FORWARD_DIR = "cv/walk_forward"


def walk_forward_dir(workspace: Workspace, target: str, family: str) -> Path:
    """Where the walk-forward predictions and fold summary of one target and family live."""
    return workspace.root / WALK_FORWARD_DIR / f"{target}-{family}"


def run_walk_forward(workspace: Workspace, config: Config, *, target: str | None = None, family: str | None = None,
                     features: list[str] | None = None, symbols: list[str] | None = None,
                     progress: Any = None) -> dict[str, Any]:
    """Walk-forward refits of the configured (or given) target/family/features; writes predictions and
    fold metrics."""
    target = target or config.models.target
    family = family or config.models.family
    matrix = training_matrix(workspace, config, target, symbols, features)
    result = walk_forward(matrix, config, family=family, progress=progress)
    folder = walk_forward_dir(workspace, matrix.target, family)
    atomic_write_table(result.predictions, folder / "predictions")
    summary = {"target": matrix.target, "family": family, "task": matrix.task, "rows": len(matrix.y),
               "features": len(matrix.feature_names), "folds": fold_table(result), "summary": result.summary(),
               "data_fingerprint": matrix.data_fingerprint, "notices": matrix.notices}
    atomic_write_json(folder / "folds.json", summary)
    return {**summary, "directory": str(folder.relative_to(workspace.root))}


def load_walk_forward(workspace: Workspace, target: str, family: str) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """Cached walk-forward predictions and fold summary, or None."""
    folder = walk_forward_dir(workspace, target, family)
    if not (folder / "predictions.parquet").is_file() or not (folder / "folds.json").is_file():
        return None
    return pd.read_parquet(folder / "predictions.parquet"), json.loads((folder / "folds.json").read_text())
