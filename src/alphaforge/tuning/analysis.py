"""`alphaforge analyze` as a library call: pick the configuration the final model trains with.

Selection rule (:data:`SELECTION_RULE`): the configuration with the best mean extended-CV score
(highest, or lowest for a loss), ties broken by the smaller standard deviation of its fold
scores, then by the lower trial number. The tuning score is shown beside it but does not
decide: it was measured on fewer folds and is biased upwards by the search itself.

``analysis/best_config.json`` (:class:`~alphaforge.artifacts.BestConfig`) holds the configuration (family, target, task, parameters,
features, symbols, seed) and its provenance (study, storage, trial numbers compared,
metrics, data fingerprint). For a trading metric (``sharpe``) it also holds the deflated
Sharpe ratio of the chosen configuration's out-of-sample returns against the Sharpe ratios of
every complete trial of the study: the probability that its Sharpe ratio beats what the best
of that many unskilled trials would reach by luck.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from matplotlib.figure import Figure
from optuna.trial import TrialState

from alphaforge.artifacts import BestConfig, ExtendedResults
from alphaforge.errors import InputError
from alphaforge.tuning.extended import results_path
from alphaforge.tuning.metrics import METRICS
from alphaforge.validation.stats import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    sharpe_ratio,
)
from alphaforge.workspace import Workspace, atomic_write_png

SELECTION_RULE = ("best mean extended-CV score; ties broken by the smaller fold-score standard deviation, "
                  "then the lower trial number")
BEST_CONFIG = "best_config.json"


def read_extended_results(workspace: Workspace) -> ExtendedResults:
    """``cv/extended_training_results.json``; :class:`MissingInputError` naming `alphaforge cv` when absent."""
    return ExtendedResults.load(results_path(workspace))


def rank_configs(configs: list[dict[str, Any]], direction: str) -> list[dict[str, Any]]:
    """``configs`` ordered by :data:`SELECTION_RULE` (best first).

    >>> rank_configs([{"trial": 1, "mean": 0.1, "std": 0.2}, {"trial": 2, "mean": 0.1, "std": 0.1}],
    ...              "maximize")[0]["trial"]
    2
    """
    sign = -1.0 if direction == "maximize" else 1.0
    return sorted(configs, key=lambda c: (sign * c["mean"], c["std"], c["trial"]))


def deflated_sharpe(study: optuna.Study, returns: list[float]) -> dict[str, Any]:
    """DSR of ``returns`` over the Sharpe ratios (per period) of every complete trial of ``study``."""
    sharpes = np.array([t.value for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))],
                       dtype=np.float64)
    if len(sharpes) < 2 or len(returns) < 3:
        return {"dsr": None, "n_trials": len(sharpes),
                "why_missing": "needs at least 2 complete trials and 3 out-of-sample periods"}
    variance = float(sharpes.var(ddof=1))
    return {"dsr": deflated_sharpe_ratio(returns, sharpes), "n_trials": len(sharpes),
            "sharpe_variance": variance, "expected_max_sharpe": expected_max_sharpe(len(sharpes), variance),
            "sharpe": sharpe_ratio(returns), "n_periods": len(returns)}


def write_plots(directory: Path, ranked: list[dict[str, Any]], metric: str) -> list[Path]:
    """``tuning_vs_cv.png`` (tuning score vs extended-CV mean ± std) and ``cv_fold_scores.png``."""
    labels = [f"trial {c['trial']}" for c in ranked]
    x = np.arange(len(ranked))
    figure = Figure(figsize=(max(5, 1.4 * len(ranked)), 4))
    axes = figure.add_subplot()
    axes.bar(x - 0.2, [c["tuning_value"] for c in ranked], width=0.4, label="tuning (fewer folds)", color="tab:gray")
    axes.bar(x + 0.2, [c["mean"] for c in ranked], width=0.4, yerr=[c["std"] for c in ranked], capsize=4,
             label="extended CV mean ± std", color="tab:blue")
    axes.set_xticks(x, labels)
    axes.set(title="tuning vs extended CV", ylabel=metric)
    axes.axhline(0.0, color="black", linewidth=0.5)
    axes.legend()
    paths = [directory / "tuning_vs_cv.png", directory / "cv_fold_scores.png"]
    atomic_write_png(figure, paths[0], dpi=110, tight=True)
    figure = Figure(figsize=(7, 4))
    axes = figure.add_subplot()
    for label, config in zip(labels, ranked, strict=True):
        axes.plot(range(1, len(config["fold_scores"]) + 1), config["fold_scores"], marker="o", label=label)
    axes.set(title="extended CV: score per fold", xlabel="fold", ylabel=metric)
    axes.legend()
    atomic_write_png(figure, paths[1], dpi=110, tight=True)
    return paths


def analyze(workspace: Workspace, study: optuna.Study, storage_url: str) -> dict[str, Any]:
    """Compare tuning and extended-CV results; write ``analysis/best_config.json`` and plots."""
    extended = read_extended_results(workspace)
    if extended.study != study.study_name:
        raise InputError(f"cv results are for study {extended.study!r}, not {study.study_name!r}",
                         where=str(results_path(workspace)),
                         fix="run `alphaforge cv` for this study (same --target/--family) first")
    if extended.data_fingerprint != study.user_attrs.get("data_fingerprint"):
        raise InputError("the cv results were computed on other data than the study", where=str(results_path(workspace)),
                         fix="re-run `alphaforge cv`")
    metric = METRICS[extended.metric]
    ranked = rank_configs(extended.configs, metric.direction)
    chosen = ranked[0]
    directory = workspace.subdir("analysis")
    plots = write_plots(directory / "plots", ranked, metric.name)
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    best_config = BestConfig(
        family=extended.family, target=extended.target, task=extended.task, params=chosen["params"],
        features=extended.features, symbols=extended.symbols, seed=extended.seed, metric=metric.name,
        direction=metric.direction, selection_rule=SELECTION_RULE,
        provenance={
            "study": study.study_name, "storage": storage_url, "trial": chosen["trial"], "phase": chosen["phase"],
            "compared_trials": [c["trial"] for c in ranked], "n_trials_complete": len(complete),
            "n_trials_total": len(study.trials), "tuning_value": chosen["tuning_value"],
            "cv_mean": chosen["mean"], "cv_std": chosen["std"], "cv_fold_scores": chosen["fold_scores"],
            "cv_scheme": extended.scheme, "cv_folds": extended.n_folds,
            "data_fingerprint": extended.data_fingerprint, "created": datetime.now(UTC).isoformat(),
        },
        comparison=[{"trial": c["trial"], "phase": c["phase"], "tuning_value": c["tuning_value"],
                     "cv_mean": c["mean"], "cv_std": c["std"], "rank": rank}
                    for rank, c in enumerate(ranked, start=1)],
        deflated_sharpe=deflated_sharpe(study, chosen["oos_returns"]) if metric.trading else None,
        plots=[workspace.relative(p) for p in plots],
    )
    best_config.save(directory / BEST_CONFIG)
    return best_config.to_dict()
