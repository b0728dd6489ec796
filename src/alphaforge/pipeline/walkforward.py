"""Walk-forward refits: fold metrics and the out-of-sample predictions a backtest may use.

Each fold trains (best model with early stopping on its own last slice, then the final refit)
only on rows whose labels are known before the test window starts — purged on ``t1`` by
:class:`~alphaforge.validation.WalkForward` — and predicts the window. Every prediction row
records ``trained_until`` (the last label time its model saw), so the backtest can check
row by row that nothing was in-sample.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.artifacts import WalkForwardFolds
from alphaforge.config import Config
from alphaforge.errors import InputError
from alphaforge.cpus import usable_cpus
from alphaforge.executors.base import Executor
from alphaforge.executors.local import LocalExecutor
from alphaforge.executors.sizing import affordable_workers
from alphaforge.heap import release_unused
from alphaforge.data.datasets import load_bars
from alphaforge.data.schema import wide_table
from alphaforge.models import family_class, make_model
from alphaforge.models.base import ModelFamily
from alphaforge.models.devices import gpu_present
from alphaforge.models.metrics import score
from alphaforge.models.training import TrainingOutcome, continue_training, rows_of, train_best_and_final
from alphaforge.matrix import TrainingMatrix, shared_training_matrix
from alphaforge.predict.scores import scores_of_outputs
from alphaforge.progress import Progress, counting
from alphaforge.validation import LabelSpans, WalkForward, best_single_feature
from alphaforge.validation.evaluation import BEST_FEATURE, evaluate
from alphaforge.workspace import Workspace, atomic_write_table


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
               params: dict[str, Any] | None = None, *, scored: bool = True,
               progress: Progress | None = None,
               continue_from: tuple[ModelFamily, ModelFamily] | None = None) -> TrainingOutcome:
    """The best and final models of ``family`` on ``rows`` of ``matrix``, as ``[models]`` says:
    fitted to the panel-transformed label, stopped on the task's metric, at least ``min_rounds``
    (``scored``: with the validation and in-sample metrics); with ``continue_from`` (a previous best and
    final model), those continued by ``[live] continue_rounds``."""
    return train_best_and_final(
        rows_of(matrix.X, rows), matrix.y[rows], timestamps=matrix.timestamps[rows], t1=matrix.t1[rows],
        family=family, task=matrix.task, params=params, seed=config.seed, device=config.models.device,
        validation_fraction=config.models.validation_fraction,
        early_stopping_rounds=config.models.early_stopping_rounds, min_rounds=config.models.min_rounds,
        fit_labels=matrix.y_fit[rows], stopping_metric=matrix.panel.stopping_metric, scored=scored,
        progress=progress, continue_from=continue_from, continue_rounds=config.live.continue_rounds)


def continue_model(matrix: TrainingMatrix, config: Config, family: str, rows: np.ndarray,
                   params: dict[str, Any] | None, previous: ModelFamily) -> ModelFamily:
    """The final model :func:`fit_models` gives with ``continue_from=(..., previous)`` on ``rows``,
    without the best model beside it (the as-live walk-forward scores with the final one only)."""
    model = make_model(family, task=matrix.task, params=params, seed=config.seed, device=config.models.device,
                       early_stopping_rounds=config.models.early_stopping_rounds, min_rounds=config.models.min_rounds)
    return continue_training(model, previous, rows_of(matrix.X, rows), matrix.y_fit[rows], config.live.continue_rounds)


def best_feature(matrix: TrainingMatrix, rows: np.ndarray) -> tuple[str, int]:
    """The single feature that best predicted the label on ``rows`` (training rows only), and its
    sign: by mean per-timestamp IC on a panel, by the rank correlation over the rows otherwise."""
    X, labels = rows_of(matrix.X, rows), matrix.y[rows]
    if matrix.panel.panel:
        return best_single_feature(X, labels, matrix.timestamps[rows].asi8)
    ic = X.rank().corrwith(pd.Series(labels, index=X.index).rank())
    if not ic.notna().any():
        return str(X.columns[0]), 1
    name = str(ic.abs().idxmax())
    return name, 1 if ic[name] >= 0 else -1


def walk_forward(matrix: TrainingMatrix, config: Config, *, family: str, params: dict[str, Any] | None = None,
                 progress: Progress | None = None, executor: Executor | None = None,
                 scratch: Path | None = None) -> WalkForwardResult:
    """Refit ``family`` (with ``params``, e.g. tuned ones) over ``config.validation.n_splits``
    walk-forward windows of ``matrix``.

    With an ``executor`` of several workers the folds run as its tasks, reading the matrix that
    is written once to ``scratch`` (a folder the workers see); without one (and with ``scratch``)
    they run on as many local workers as :func:`fold_workers` finds worth starting, one thread
    each; an executor of one worker keeps them in this process. Every fold is seeded, so the
    result is the serial one. ``progress("walk-forward folds", done, total)`` hears of finished folds.
    """
    splits = fold_splits(matrix, config)
    # 0 folds now, so the elapsed time and the estimate count the first fold; one more as each ends
    fold_ended = counting(progress, "walk-forward folds", len(splits))
    workers = fold_workers(matrix, splits, config, family) if executor is None and scratch is not None else 1
    if workers > 1:  # no executor named: local workers where the folds are worth it and memory allows
        with LocalExecutor(workers) as pool:
            outcomes = _run_folds(matrix, splits, config, family, params, pool, scratch, fold_ended)
    else:
        outcomes = _run_folds(matrix, splits, config, family, params, executor, scratch, fold_ended)
    predictions = pd.concat([part for _, part in outcomes], ignore_index=True)
    predictions = predictions.sort_values(["timestamp", "symbol"], kind="stable")
    return WalkForwardResult([fold for fold, _ in outcomes], predictions.reset_index(drop=True))


def fold_splits(matrix: TrainingMatrix, config: Config) -> list[tuple[np.ndarray, np.ndarray]]:
    """The walk-forward folds' (training rows, test rows) of ``matrix``, purged on its label spans,
    each training set cut to ``[validation] max_train_rows``. A function of its own so that the
    spans and their symbols (at 1 M rows, a million strings: 80 MB) are freed before the folds fit."""
    symbols = matrix.X.index.get_level_values("symbol").to_numpy()
    spans = LabelSpans.from_arrays(matrix.timestamps, matrix.t1, symbols)
    splitter = WalkForward(n_splits=config.validation.n_splits, embargo=config.validation.embargo)
    limit = config.validation.max_train_rows
    return [(train[-limit:] if limit and len(train) > limit else train, test)
            for train, test in splitter.split(matrix.X, groups=spans)]


FOLD_BYTES_PER_CELL = 8
"""A fold worker's memory per training cell (row x feature) beside its imports: its float32 copy
of the rows, LightGBM's bins, the validation slice, the scores (measured at 20 x 50 000 hourly
bars: about 0.4 GB for the largest fold's 64 M cells)."""
PARALLEL_MIN_CELLS = 4_000_000
"""Folds whose largest training set has fewer cells stay in this process: their fits take a few
seconds, about what starting a worker costs."""
SERIAL_ROWS_PER_THREAD = 200_000
"""Folds whose largest training set gives each of this process's threads more rows stay in this
process: a fit's threads then share its work well, and workers would only add their memory.
Measured on 2 CPUs: 73 000 rows a thread (the bundled demo), the walk-forward on two workers took
31 s against 39-41 s serially; 400 000 (20 x 50 000 hourly bars), 155-160 s against 160-175 s
serially, for 2.6 GB of memory against 1.45 GB."""


def fold_workers(matrix: TrainingMatrix, splits: list[tuple[np.ndarray, np.ndarray]], config: Config,
                 family: str) -> int:
    """Local workers for the folds when the caller named no executor: one per usable CPU while
    the machine's free memory holds their fold data (:func:`~alphaforge.executors.sizing.affordable_workers`);
    1 (serial) for folds too small to be worth a worker's start, for folds large enough that one
    fit keeps every CPU busy, and for a family that would share one GPU among the workers."""
    rows = max(len(train) for train, _ in splits)
    cells = rows * len(matrix.feature_names)
    on_gpu = family_class(family).supports_gpu and config.models.device != "cpu" and gpu_present()
    if cells < PARALLEL_MIN_CELLS or rows > SERIAL_ROWS_PER_THREAD * usable_cpus() or on_gpu:
        return 1
    return affordable_workers(len(splits), FOLD_BYTES_PER_CELL * cells)


def _run_folds(matrix: TrainingMatrix, splits: list[tuple[np.ndarray, np.ndarray]], config: Config, family: str,
               params: dict[str, Any] | None, executor: Executor | None, scratch: Path | None,
               fold_ended: Callable[[object], None]) -> list[tuple[dict[str, Any], pd.DataFrame]]:
    """Each fold's metrics and predictions, in fold order: on ``executor``'s workers when it has
    several, else one after the other in this process."""
    parallel = executor is not None and executor.workers > 1 and len(splits) > 1
    if parallel and scratch is None:
        raise InputError("folds on several workers need a folder to share the matrix through",
                         where="walk_forward", fix="pass scratch= (a temporary folder in the workspace)")
    if parallel:
        assert executor is not None and scratch is not None
        folder = matrix.write_for_workers(scratch)
        # the largest training sets go first: the expanding folds' last one is the longest task,
        # and started last it would run alone at the end (5 folds on 2 workers: 8 units, not 9)
        order = sorted(range(len(splits)), key=lambda fold: -len(splits[fold][0]))
        tasks = [FoldTask(folder, fold, *splits[fold], config, family, params) for fold in order]
        finished = dict(zip(order, executor.map(fold_task, tasks, on_done=fold_ended), strict=True))
        return [finished[fold].unwrap() for fold in range(len(splits))]
    outcomes = []
    for fold, (train, test) in enumerate(splits):
        outcomes.append(fit_fold(matrix, config, family, params, fold, train, test))
        release_unused()  # the fold's training copies and LightGBM's buffers, freed in its threads' heaps
        fold_ended(outcomes[-1])
    return outcomes


def fit_fold(matrix: TrainingMatrix, config: Config, family: str, params: dict[str, Any] | None, fold: int,
             train: np.ndarray, test: np.ndarray) -> tuple[dict[str, Any], pd.DataFrame]:
    """One walk-forward fold: fit on ``train``, score and predict ``test``; the fold's summary
    and its prediction rows."""
    started = time.perf_counter()
    outcome = fit_models(matrix, config, family, train, params, scored=False)
    model, test_x = outcome.final, rows_of(matrix.X, test)
    outputs = model.outputs(test_x)
    metrics = score(matrix.task, model.encode(matrix.y[test]), outputs,
                    groups=matrix.timestamps[test].asi8 if matrix.panel.panel else None)
    trained_until = matrix.t1[train].max()
    feature, sign = best_feature(matrix, train)
    part = pd.DataFrame({
        "symbol": test_x.index.get_level_values("symbol").to_numpy(), "timestamp": matrix.timestamps[test],
        "score": scores_of_outputs(model, outputs), "label": matrix.y[test], "fold": fold,
        "trained_until": trained_until, BEST_FEATURE: sign * test_x[feature].to_numpy(dtype=np.float64)})
    summary = {"fold": fold, "train_rows": int(len(train)), "test_rows": int(len(test)),
               "train_end": trained_until.isoformat(), "test_start": matrix.timestamps[test].min().isoformat(),
               "test_end": matrix.timestamps[test].max().isoformat(),
               "best_iteration": outcome.best.best_iteration_, "best_feature": f"{'-' if sign < 0 else ''}{feature}",
               "seconds": time.perf_counter() - started, "metrics": metrics}
    return summary, part


@dataclass(frozen=True)
class FoldTask:
    """One fold for an executor worker: where the matrix was written, the fold's rows, what to fit."""

    matrix: Path
    fold: int
    train: np.ndarray
    test: np.ndarray
    config: Config
    family: str
    params: dict[str, Any] | None


def fold_task(task: FoldTask) -> tuple[dict[str, Any], pd.DataFrame]:
    """:func:`fit_fold` in a worker process (the function executors ship)."""
    matrix = TrainingMatrix.read_in_worker(task.matrix)
    return fit_fold(matrix, task.config, task.family, task.params, task.fold, task.train, task.test)


def fold_table(result: WalkForwardResult) -> list[dict[str, Any]]:
    """One flat row per fold (for tables and reports)."""
    return [{"fold": f["fold"], "train_rows": f["train_rows"], "test_rows": f["test_rows"],
             "test_start": f["test_start"], "test_end": f["test_end"], "rounds": f["best_iteration"],
             "best_feature": f["best_feature"],
             **{k: (round(v, 6) if isinstance(v, float) and np.isfinite(v) else v) for k, v in f["metrics"].items()}}
            for f in result.folds]


WALK_FORWARD_DIR = "cv/walk_forward"
FOLDS_FILE = "folds.json"


def walk_forward_dir(workspace: Workspace, target: str, family: str) -> Path:
    """Where the walk-forward predictions and fold summary of one target and family live."""
    return workspace.root / WALK_FORWARD_DIR / f"{target}-{family}"


def run_walk_forward(workspace: Workspace, config: Config, *, target: str | None = None, family: str | None = None,
                     features: list[str] | None = None, symbols: list[str] | None = None,
                     params: dict[str, Any] | None = None, exclude: list[str] | None = None,
                     progress: Progress | None = None, shared: dict[str, Any] | None = None,
                     executor: Executor | None = None) -> dict[str, Any]:
    """Walk-forward refits of the configured (or given) target/family/features/parameters; writes the
    predictions, the fold metrics, the out-of-sample evaluation (tear sheets of the model and its
    baselines, verdicts: ``folds.json``) and its charts (``plots/``). ``executor`` runs the folds
    (serially in this process without one)."""
    target = target or config.models.target
    family = family or config.models.family
    matrix = shared_training_matrix(shared, workspace, config, target, symbols, features, exclude or ())
    # a kill leaves the folder as a stale temporary, which the next run's lock holder removes
    with tempfile.TemporaryDirectory(prefix=".walk_forward-", suffix=".tmp", dir=workspace.root) as scratch:
        result = walk_forward(matrix, config, family=family, params=params, progress=progress, executor=executor,
                              scratch=Path(scratch))
    folder = walk_forward_dir(workspace, matrix.target, family)
    atomic_write_table(result.predictions, folder / "predictions")
    bars = load_bars(workspace, config, symbols=matrix.symbols)
    evaluation = evaluate(result.predictions, wide_table(bars, "close"),
                          label_horizon(matrix), rounds=[f["best_iteration"] for f in result.folds],
                          min_t=config.validation.edge_t, n_quantiles=config.validation.n_quantiles)
    from alphaforge.report.tearsheet_plots import plot_tear_sheet  # not at the top: fold workers never draw

    plots = plot_tear_sheet(evaluation.sheets, folder / "plots", f"{matrix.target}, {family}, walk-forward")
    summary = WalkForwardFolds(target=matrix.target, family=family, task=matrix.task, rows=len(matrix.y),
                               features=len(matrix.feature_names), panel=matrix.panel.to_dict(),
                               folds=fold_table(result), summary=result.summary(), evaluation=evaluation.to_dict(),
                               data_fingerprint=matrix.data_fingerprint,
                               notices=[*matrix.notices, *evaluation.notes])
    summary.save(folder / FOLDS_FILE)
    return {**summary.to_dict(), "directory": workspace.relative(folder),
            "plots": [workspace.relative(p) for p in plots]}


def label_horizon(matrix: TrainingMatrix) -> int:
    """The label's typical length in bars: the median number of distinct timestamps from a row to
    its ``t1`` (what overlapping-label statistics allow for), at least 1."""
    grid = np.unique(matrix.timestamps.asi8)
    steps = np.searchsorted(grid, matrix.t1.asi8) - np.searchsorted(grid, matrix.timestamps.asi8)
    return max(1, int(np.median(steps))) if len(steps) else 1


def load_walk_forward(workspace: Workspace, target: str, family: str) -> tuple[pd.DataFrame, WalkForwardFolds] | None:
    """Cached walk-forward predictions and fold summary, or None: never computed, or a file that
    cannot be read (truncated by a kill, damaged), which the caller recomputes like a missing one."""
    folder = walk_forward_dir(workspace, target, family)
    if not (folder / "predictions.parquet").is_file() or not (folder / FOLDS_FILE).is_file():
        return None
    try:
        return pd.read_parquet(folder / "predictions.parquet"), WalkForwardFolds.load(folder / FOLDS_FILE)
    except (OSError, ValueError, InputError):  # pyarrow's ArrowInvalid is a ValueError
        return None
