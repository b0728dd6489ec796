"""Best and final models: early stopping on a time-ordered validation split, then a refit on
all the training data with the best iteration count.

The validation split is the last ``validation_fraction`` of the distinct timestamps. Training
rows whose label is not known before the validation period starts (``t1`` at or after its
first timestamp) are purged, so no training label overlaps the validation period. The *best
model* is trained on the remaining earlier rows and stops early on the validation loss; the
*final model* is a fresh model of the same family and parameters trained on every row with
exactly the best iteration count (families without iterations simply refit). Everything is
seeded: the same data, parameters and seed give identical models and metrics.

A scheduled retrain may *continue* the version it replaces instead (``continue_from``, boosting
families): the best model gets a set number of rounds more on the training rows, the final model
as many on every row (:func:`continue_training`). The validation metrics stay out of sample: the
windows only move forward, so the validation period starts after every row the earlier best
models (and theirs) trained on.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.models import make_model
from alphaforge.models.base import ModelFamily, Task
from alphaforge.models.devices import GpuFallbackWarning
from alphaforge.models.metrics import score
from alphaforge.progress import Progress

MIN_TIMES = 2
IN_SAMPLE_ROWS = 200_000
"""In-sample metrics (train, final_in_sample) use at most this many evenly spaced rows: they are a
reference only, and predicting every row of a large matrix would cost more than it tells."""


@dataclass(frozen=True)
class TimeSplit:
    """Row positions of a time-ordered train/validation split."""

    train: np.ndarray
    validation: np.ndarray
    validation_start: pd.Timestamp
    purged: int

    def to_dict(self) -> dict[str, Any]:
        return {"train_rows": len(self.train), "validation_rows": len(self.validation),
                "validation_start": self.validation_start.isoformat(), "purged_rows": self.purged}


def time_split(timestamps: pd.Series | np.ndarray, t1: pd.Series | np.ndarray, validation_fraction: float) -> TimeSplit:
    """The last ``validation_fraction`` of distinct times for validation; overlapping labels purged.

    >>> times = pd.date_range("2024-01-01", periods=10, freq="D", tz="UTC")
    >>> split = time_split(times, times + pd.Timedelta("2D"), 0.2)
    >>> split.train.tolist(), split.validation.tolist(), split.purged
    ([0, 1, 2, 3, 4, 5], [8, 9], 2)
    """
    if not 0.0 < validation_fraction < 1.0:
        raise InputError(f"validation_fraction={validation_fraction} is outside (0, 1)",
                         where="models.validation_fraction", fix="use e.g. 0.2")
    times = pd.DatetimeIndex(timestamps)
    ends = pd.DatetimeIndex(t1)
    distinct = times.unique().sort_values()
    n_validation = math.ceil(len(distinct) * validation_fraction)
    if len(distinct) - n_validation < MIN_TIMES or n_validation < 1:
        raise InputError(f"only {len(distinct)} distinct timestamps: too few for a train/validation split",
                         where="training data", fix="use more bars (or a longer date range)")
    start = distinct[len(distinct) - n_validation]
    before = np.asarray(times < start)
    known = before & np.asarray(ends < start)
    train = np.flatnonzero(known)
    if len(train) == 0:
        raise InputError("every training label overlaps the validation period", where="training data",
                         fix="use more bars, a shorter target horizon or a smaller validation_fraction")
    return TimeSplit(train, np.flatnonzero(~before), start, int(before.sum() - known.sum()))


@dataclass
class TrainingOutcome:
    """Both models, the split, their metrics and notices (e.g. GPU fallback)."""

    best: ModelFamily
    final: ModelFamily
    split: TimeSplit
    metrics: dict[str, dict[str, float]]
    validation_output: np.ndarray | None
    validation_labels: np.ndarray | None
    notices: list[str] = field(default_factory=list)


def continue_training(model: ModelFamily, previous: ModelFamily, X: pd.DataFrame, fit_labels: np.ndarray,
                      rounds: int, sample_weight: np.ndarray | None = None,
                      progress: Progress | None = None) -> ModelFamily:
    """``previous`` with ``rounds`` more rounds fitted to ``X``, ``fit_labels``, with ``model``'s
    parameters (an unfitted model of the family): what a retrain that reuses the model it
    replaces trains, in `alphaforge train` and in the as-live walk-forward alike."""
    if rounds < 1:
        raise InputError(f"continue a model by {rounds} rounds", where="continued training",
                         fix="give 1 round or more ([live] continue_rounds), or train from scratch")
    return model.with_iterations(rounds).fit(X, fit_labels, sample_weight=sample_weight, progress=progress,
                                             init_model=previous)


def rows_of(X: pd.DataFrame, rows: np.ndarray | slice) -> pd.DataFrame:
    """``X.iloc[rows]``, as a view of ``X`` (no copy) when ``rows`` are consecutive positions, as a
    walk-forward fold's training rows and a time split's parts almost always are: at 1 M rows each
    copy held 300 MB beside the matrix for the length of a fold. Of a row-major matrix (the
    training matrix) the view is a contiguous block that models read as it is."""
    if isinstance(rows, np.ndarray) and len(rows) and rows[-1] - rows[0] == len(rows) - 1 \
            and (len(rows) < 3 or bool((np.diff(rows) == 1).all())):
        rows = slice(int(rows[0]), int(rows[-1]) + 1)
    return X.iloc[rows]


def _take(values: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    return None if values is None else values[rows]


def _in_sample(rows: np.ndarray) -> np.ndarray:
    """``rows``, or :data:`IN_SAMPLE_ROWS` of them evenly spaced."""
    if len(rows) <= IN_SAMPLE_ROWS:
        return rows
    return rows[np.linspace(0, len(rows) - 1, IN_SAMPLE_ROWS).astype(np.int64)]


def _named(progress: Progress | None, what: str) -> Progress | None:
    """``progress`` reporting under ``what`` (the best and the final fit are told apart)."""
    return None if progress is None else (lambda _what, done, total: progress(what, done, total))


def train_best_and_final(X: pd.DataFrame, y: np.ndarray, *, timestamps: pd.Series | np.ndarray,
                         t1: pd.Series | np.ndarray, family: str, task: Task, params: dict[str, Any] | None = None,
                         seed: int = 0, device: str = "auto", validation_fraction: float = 0.2,
                         early_stopping_rounds: int = 100, min_rounds: int = 0,
                         sample_weight: np.ndarray | None = None, fit_labels: np.ndarray | None = None,
                         stopping_metric: str = "loss", scored: bool = True,
                         progress: Progress | None = None,
                         continue_from: tuple[ModelFamily, ModelFamily] | None = None,
                         continue_rounds: int = 0) -> TrainingOutcome:
    """Fit the best model (early stopping on the validation split) and the final model (all rows).

    ``X`` rows are samples in time order, ``timestamps``/``t1`` their times and label times.
    ``fit_labels`` (default ``y``) are what the models learn, e.g. ``y`` ranked per timestamp
    on a panel; ``y`` is what they are scored on. ``stopping_metric`` ``ic`` stops on the mean
    per-timestamp rank IC of the validation rows, ``loss`` on the loss; either way every model
    trains at least ``min_rounds`` rounds (:mod:`alphaforge.models.stopping`).
    Metrics (with ``scored``; a walk-forward's folds, scored on their test rows, skip them and
    the best model's validation outputs: 3.5 s of five folds at 1 M rows): ``validation`` of the
    best model, ``train`` of the best model and ``final_in_sample`` of the final model on all rows
    (in-sample, for reference only; both on at most :data:`IN_SAMPLE_ROWS` rows). Error metrics
    (rmse, r2...) compare with ``fit_labels``, the rank ICs with ``y``; on a panel ``ic`` is per
    timestamp and ``pooled_ic`` over all rows.
    ``continue_from`` (the previous best and final models) continues them by ``continue_rounds``
    (see the module docstring) instead of training from scratch.
    """
    y = np.asarray(y, dtype=np.float64)
    target = y if fit_labels is None else np.asarray(fit_labels, dtype=np.float64)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    split = time_split(timestamps, t1, validation_fraction)
    groups = pd.DatetimeIndex(timestamps).asi8 if stopping_metric == "ic" and task == "regression" else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GpuFallbackWarning)
        best = make_model(family, task=task, params=params, seed=seed, device=device,
                          early_stopping_rounds=early_stopping_rounds, min_rounds=min_rounds)
        train_x, val_x = rows_of(X, split.train), rows_of(X, split.validation)
        if continue_from is None:
            best.fit(train_x, target[split.train], sample_weight=_take(weights, split.train),
                     eval_set=(val_x, target[split.validation]), eval_sample_weight=_take(weights, split.validation),
                     eval_groups=_take(groups, split.validation), progress=_named(progress, "best model: rounds"))
            final = best.with_iterations(best.best_iteration_).fit(X, target, sample_weight=weights,
                                                                   progress=_named(progress, "final model: rounds"))
        else:
            best = continue_training(best, continue_from[0], train_x, target[split.train], continue_rounds,
                                  _take(weights, split.train), _named(progress, "best model: rounds"))
            final = continue_training(best, continue_from[1], X, target, continue_rounds, weights,
                                   _named(progress, "final model: rounds"))
    notices = list(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, GpuFallbackWarning)))
    if not scored:
        return TrainingOutcome(best, final, split, {}, None, None, notices)
    validation_output = best.outputs(val_x)
    validation_labels = best.encode(target[split.validation])
    train_rows, all_rows = _in_sample(split.train), _in_sample(np.arange(len(y)))

    def score_rows(model: ModelFamily, rows: np.ndarray, output: np.ndarray | None = None) -> dict[str, float]:
        output = model.outputs(rows_of(X, rows)) if output is None else output
        metrics = score(task, model.encode(target[rows]), output, _take(weights, rows), _take(groups, rows))
        if fit_labels is not None and task == "regression":  # rank ICs against the raw label
            raw = score(task, y[rows], output, _take(weights, rows), _take(groups, rows))
            metrics.update({k: raw[k] for k in ("ic", "pooled_ic") if k in raw})
        return metrics

    metrics = {"train": score_rows(best, train_rows),
               "validation": score_rows(best, split.validation, validation_output),
               "final_in_sample": score_rows(final, all_rows)}
    return TrainingOutcome(best, final, split, metrics, validation_output, validation_labels, notices)
