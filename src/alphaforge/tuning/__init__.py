"""Hyperparameter tuning: a three-phase Optuna study, extended cross-validation, analysis.

``tune`` runs (or resumes) one study per (target, family) in RDB storage: random exploration,
multivariate TPE, then TPE in a space narrowed around the best trials, every trial scored by
purged walk-forward CV with per-fold pruning. ``extended_cv`` re-trains the top configurations
with more folds, and ``analyze`` picks the best configuration into ``analysis/best_config.json``.
"""

from alphaforge.tuning.dataset import TuningData, load_tuning_data
from alphaforge.tuning.metrics import METRICS, Metric, resolve_metric
from alphaforge.tuning.phases import PHASES, PRUNERS, make_pruner, phase_schedule
from alphaforge.tuning.spaces import SPACES, narrow_space, search_space
from alphaforge.tuning.tune import TuneResult, TuneSettings, tune

__all__ = [
    "METRICS",
    "PHASES",
    "PRUNERS",
    "SPACES",
    "Metric",
    "TuneResult",
    "TuneSettings",
    "TuningData",
    "load_tuning_data",
    "make_pruner",
    "narrow_space",
    "phase_schedule",
    "resolve_metric",
    "search_space",
    "tune",
]
