"""What tuning and extended CV leave for people and for the next stage:
``tuning/<study>/trial_results.json`` (every trial of a study, written by `alphaforge tune`)
and ``cv/extended_training_results.json`` (the top configurations re-scored with more folds,
written by `alphaforge cv`, read by `alphaforge analyze`)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ConfigDict

from alphaforge.artifacts._base import Artifact


class TrialResults(Artifact):
    """``trial_results.json``: the study's trials (number, phase, state, value, parameters, fold
    scores, timing), the counts per phase and the best trial. The study's own attributes (target,
    family, metric, task, data fingerprint, folds, narrowed space, ...) sit beside them."""

    model_config = ConfigDict(extra="allow", frozen=True)
    SCHEMA: ClassVar[str] = "alphaforge.trial_results"
    WHAT: ClassVar[str] = "trial results"
    FIX: ClassVar[str] = "re-run `alphaforge tune` (it rewrites trial_results.json from the study's database)"

    study: str
    direction: str
    phases: dict[str, dict[str, int]]
    best: dict[str, Any] | None
    trials: list[dict[str, Any]]


class ExtendedResults(Artifact):
    """``extended_training_results.json``: per configuration (trial, parameters) its fold scores,
    mean, standard deviation and timing, and, for a trading metric, the out-of-sample returns;
    beside them what was re-scored (study, target, family, metric, scheme, folds, data)."""

    SCHEMA: ClassVar[str] = "alphaforge.extended_results"
    WHAT: ClassVar[str] = "extended cross-validation results"
    FIX: ClassVar[str] = "re-run `alphaforge cv` (after `alphaforge tune`)"

    study: str
    target: str
    family: str
    task: str
    metric: str
    direction: str
    scheme: str
    n_splits: int
    n_folds: int
    embargo: int
    iterations: int
    seed: int
    data_fingerprint: str
    features: list[str]
    symbols: list[str]
    configs: list[dict[str, Any]]
