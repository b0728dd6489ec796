"""`alphaforge cv` as a library call: re-train the top tuned configurations with more folds.

The N best complete trials of the study are re-scored with a longer purged walk-forward (or
combinatorial purged, CPCV) cross-validation, optionally with more boosting rounds or epochs.
``cv/extended_training_results.json`` records, per configuration, the fold scores, their mean
and standard deviation and the training time; for a trading metric also the out-of-sample
per-period strategy returns (for CPCV, each period's mean over the splits that test it),
which the analysis deflates. The best configuration's last-fold model is saved as
``cv/best_model/`` for predict and backtest to find before a final model exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import optuna
import pandas as pd

from alphaforge.artifacts import ExtendedResults
from alphaforge.config import Config
from alphaforge.errors import InputError, MissingInputError
from alphaforge.models import family_class
from alphaforge.models.registry import CV_BEST_MODEL
from alphaforge.tuning.dataset import TuningData
from alphaforge.tuning.metrics import METRICS, Metric, strategy_returns
from alphaforge.tuning.objective import FoldFit, fit_and_score
from alphaforge.tuning.outputs import checkpoint_card, save_model_dir
from alphaforge.tuning.phases import PHASE_ATTR, best_trials
from alphaforge.validation import CombinatorialPurgedKFold, WalkForward
from alphaforge.workspace import Workspace

RESULTS_FILE = "extended_training_results.json"
Scheme = Literal["walk-forward", "cpcv"]
SCHEMES: tuple[Scheme, ...] = ("walk-forward", "cpcv")


@dataclass(frozen=True)
class ExtendedSettings:
    """How the extended CV runs: configurations, scheme, folds, rounds/epochs (defaults: the
    ``[tuning]`` config section, through :meth:`from_config`)."""

    top_n: int
    scheme: Scheme
    n_splits: int
    embargo: int
    iterations: int
    seed: int

    @classmethod
    def from_config(cls, config: Config, *, top_n: int | None = None, scheme: str | None = None,
                    n_splits: int | None = None, iterations: int | None = None,
                    embargo: int | None = None) -> ExtendedSettings:
        """``[tuning]``'s cv settings and the seed, each overridable (None keeps the config's)."""
        section = config.tuning
        return cls(top_n=top_n or section.top_n, scheme=scheme or section.cv_scheme,  # type: ignore[arg-type]
                   n_splits=n_splits or section.cv_splits, embargo=section.embargo if embargo is None else embargo,
                   iterations=section.cv_iterations if iterations is None else iterations, seed=config.seed)


def results_path(workspace: Workspace) -> Any:
    return workspace.subdir("cv") / RESULTS_FILE


def splitter(scheme: str, n_splits: int, embargo: int) -> WalkForward | CombinatorialPurgedKFold:
    """Walk-forward with ``n_splits`` windows, or CPCV over ``n_splits`` groups testing 2 at a time."""
    if scheme == "walk-forward":
        return WalkForward(n_splits=n_splits, embargo=embargo)
    if scheme == "cpcv":
        return CombinatorialPurgedKFold(n_groups=n_splits, n_test_groups=2, embargo=embargo)
    raise InputError(f"unknown scheme {scheme!r}", where="--scheme", fix=f"use one of {list(SCHEMES)}")


def with_iterations(family: str, params: dict[str, Any], iterations: int) -> dict[str, Any]:
    """``params`` with the family's rounds/epochs set to ``iterations`` (unchanged when 0 or none)."""
    name = family_class(family).iteration_param
    if iterations <= 0 or name is None:
        return dict(params)
    return {**params, name: int(iterations)}


def check_study_data(study: optuna.Study, data: TuningData) -> None:
    """Refuse data that differs from what the study was tuned on."""
    tuned = study.user_attrs.get("data_fingerprint")
    if tuned != data.fingerprint:
        raise InputError(f"the data changed since study {study.study_name!r} was tuned", where="training data",
                         fix="re-run `alphaforge tune` on the current data (delete tuning/<study>/ to start over)")


def _score_config(data: TuningData, family: str, params: dict[str, Any], metric: Metric,
                  folds: list[tuple[np.ndarray, np.ndarray]], seed: int) -> tuple[list[FoldFit], pd.Series | None]:
    fits = [fit_and_score(data, family, params, metric, train, test, seed) for train, test in folds]
    if not metric.trading:
        return fits, None
    pieces = [strategy_returns(data.y[test], fit.output, data.times[test]) for fit, (_, test) in zip(fits, folds, strict=True)]
    return fits, pd.concat(pieces).groupby(level=0, sort=True).mean()


def extended_cv(workspace: Workspace, study: optuna.Study, data: TuningData,
                settings: ExtendedSettings) -> dict[str, Any]:
    """Re-score the study's ``top_n`` best configurations; writes and returns the results."""
    check_study_data(study, data)
    top = best_trials(study, settings.top_n)
    if not top:
        raise MissingInputError(f"study {study.study_name!r} has no complete trial yet", where=study.study_name,
                                fix="run `alphaforge tune` first (or with more trials)")
    family = study.user_attrs["family"]
    metric = METRICS[study.user_attrs["metric"]]
    folds = list(splitter(settings.scheme, settings.n_splits, settings.embargo).split(data.X, groups=data.spans))
    configs, best_fit = [], None
    for trial in top:
        params = with_iterations(family, trial.params, settings.iterations)
        fits, returns = _score_config(data, family, params, metric, folds, settings.seed)
        scores = np.array([f.score for f in fits])
        config = {"trial": trial.number, "phase": trial.user_attrs.get(PHASE_ATTR), "tuning_value": trial.value,
                  "params": params, "fold_scores": scores.tolist(), "mean": float(scores.mean()),
                  "std": float(scores.std(ddof=1)) if len(scores) > 1 else 0.0,
                  "training_seconds": float(sum(f.seconds for f in fits)),
                  "fold_seconds": [f.seconds for f in fits]}
        if returns is not None:
            config["oos_returns"] = returns.to_numpy().tolist()
        if best_fit is None or metric.better(config["mean"], best_fit[0]["mean"]):
            best_fit = (config, fits[-1])
        configs.append(config)
    result = ExtendedResults(study=study.study_name, target=data.target, family=family, task=data.task,
                             metric=metric.name, direction=metric.direction, scheme=settings.scheme,
                             n_splits=settings.n_splits, n_folds=len(folds), embargo=settings.embargo,
                             iterations=settings.iterations, seed=settings.seed, data_fingerprint=data.fingerprint,
                             features=data.features, symbols=data.symbols, configs=configs)
    assert best_fit is not None
    chosen, fit = best_fit
    save_model_dir(workspace.root / CV_BEST_MODEL, fit.model, checkpoint_card(
        data, family, chosen["params"], settings.seed, "extended_cv", folds[-1][0],
        {"study": study.study_name, "trial": chosen["trial"], "mean": chosen["mean"]}))
    result.save(results_path(workspace))
    return result.to_dict()
