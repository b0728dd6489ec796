"""`alphaforge tune` as a library call: run the three phases of one study, then write its outputs.

A call only adds the trials each phase is missing, so running it again after a kill (or in a
second process or machine pointed at the same storage) continues the same study. Trials of
this process run ``n_jobs`` at a time in threads; ``timeout_s`` bounds the whole call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from alphaforge.config import Config
from alphaforge.errors import AlphaForgeError
from alphaforge.targets import parse_target
from alphaforge.tuning.dataset import TuningData
from alphaforge.tuning.metrics import Metric, resolve_metric
from alphaforge.tuning.objective import CVObjective
from alphaforge.tuning.outputs import (
    checkpoint_callback,
    checkpoint_card,
    write_history,
    write_importances,
    write_trial_results,
)
from alphaforge.tuning.phases import (
    PHASE_ATTR,
    make_pruner,
    narrowed_space,
    phase_counts,
    phase_sampler,
    phase_schedule,
)
from alphaforge.tuning.spaces import search_space
from alphaforge.tuning.study import (
    GRACE_PERIOD_S,
    HEARTBEAT_INTERVAL_S,
    default_storage_url,
    open_storage,
    open_study,
    study_dir,
    study_name,
)
from alphaforge.validation import WalkForward
from alphaforge.workspace import Workspace


@dataclass(frozen=True)
class TuneSettings:
    """Everything a tuning run needs besides the data. The defaults live once, in the ``[tuning]``
    config section: build settings with :meth:`from_config` (overrides per call)."""

    family: str
    target: str
    metric: str
    random_trials: int
    bayes_trials: int
    fine_trials: int
    narrow_top: int
    timeout_s: float
    pruner: str
    n_splits: int
    embargo: int
    n_jobs: int
    storage: str
    checkpoints: int
    seed: int

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> TuneSettings:
        """Settings from ``config.tuning`` and ``config.seed``; ``None`` overrides are ignored.

        The target is stored under its canonical name, so every spelling finds the same study.
        """
        section = config.tuning
        base = cls(**{name: getattr(section, name) for name in cls.__dataclass_fields__ if hasattr(section, name)},
                   seed=config.seed)
        settings = replace(base, **{k: v for k, v in overrides.items() if v is not None})
        return replace(settings, target=parse_target(settings.target).name)

    @property
    def study(self) -> str:
        return study_name(self.target, self.family)

    def planned(self) -> dict[str, int]:
        return {p.name: p.n_trials for p in phase_schedule(self.random_trials, self.bayes_trials, self.fine_trials)}

    def storage_url(self, workspace: Workspace) -> str:
        return self.storage or default_storage_url(workspace, self.study)


@dataclass(frozen=True)
class TuneResult:
    """A finished tuning call: where things are and what the study holds now."""

    study: str
    storage: str
    directory: Path
    phases: dict[str, dict[str, int]]
    best: dict[str, Any] | None
    trials_run: int
    stopped_by_timeout: bool

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "directory": str(self.directory)}


def walk_forward_folds(data: TuningData, n_splits: int, embargo: int) -> list[tuple[Any, Any]]:
    """The purged walk-forward (train, test) positions every trial is scored on."""
    return list(WalkForward(n_splits=n_splits, embargo=embargo).split(data.X, groups=data.spans))


def _phase_stopper(phase: str, size: int) -> Callable[[optuna.Study, FrozenTrial], None]:
    """Stop ``optimize`` as soon as ``phase`` holds ``size`` trials (other workers' included)."""

    def callback(study: optuna.Study, trial: FrozenTrial) -> None:
        if phase_counts(study)[phase] >= size:
            study.stop()

    return callback


def tune(workspace: Workspace, data: TuningData, settings: TuneSettings, *,
         heartbeat_interval: int = HEARTBEAT_INTERVAL_S, grace_period: int = GRACE_PERIOD_S) -> TuneResult:
    """Run (or resume) the study of ``settings.target`` x ``settings.family`` on ``data``.

    Phases run in order; each only adds the trials it is missing. The outputs in
    ``tuning/<study>/`` are rewritten at the end (and stay valid if the run is killed: the
    next run rewrites them from the database).
    """
    metric: Metric = resolve_metric(settings.metric, data.task)
    space = search_space(settings.family)
    url = settings.storage_url(workspace)
    storage = open_storage(url, heartbeat_interval=heartbeat_interval, grace_period=grace_period)
    attrs = {"target": data.target, "family": settings.family, "metric": metric.name, "task": data.task,
             "data_fingerprint": data.fingerprint, "n_splits": settings.n_splits, "embargo": settings.embargo,
             "seed": settings.seed}
    study = open_study(storage, settings.study, metric.direction, attrs=attrs)
    directory = study_dir(workspace, settings.study)
    directory.mkdir(parents=True, exist_ok=True)
    objective = CVObjective(data, settings.family, space, metric,
                            walk_forward_folds(data, settings.n_splits, settings.embargo), settings.seed)
    deadline = time.monotonic() + settings.timeout_s if settings.timeout_s > 0 else None
    last_train_rows = objective.folds[-1][0]  # a checkpoint is its trial's last-fold model
    callbacks = [checkpoint_callback(directory, settings.checkpoints, objective.pop_model,
                                     lambda trial: checkpoint_card(
                                         data, settings.family, trial.params, settings.seed, "tuning", last_train_rows,
                                         {"study": settings.study, "trial": trial.number,
                                          "phase": trial.user_attrs.get(PHASE_ATTR), "value": trial.value}))]
    finished: list[int] = []  # trial numbers this call ran
    callbacks.append(lambda study, trial: finished.append(trial.number))
    pruner = make_pruner(settings.pruner, settings.n_splits)
    timed_out = False
    for phase in phase_schedule(settings.random_trials, settings.bayes_trials, settings.fine_trials):
        while (missing := phase.n_trials - phase_counts(study)[phase.name]) > 0 and not timed_out:
            narrowed = narrowed_space(study, space, settings.narrow_top) if phase.name == "fine" else None
            sampler = phase_sampler(phase.name, settings.seed, narrowed=narrowed, offset=len(study.trials))
            runner = optuna.load_study(study_name=settings.study, storage=storage, sampler=sampler, pruner=pruner)
            remaining = None if deadline is None else deadline - time.monotonic()
            runner.optimize(_phased(objective, phase.name), n_trials=missing, timeout=remaining,
                            n_jobs=settings.n_jobs, callbacks=[*callbacks, _phase_stopper(phase.name, phase.n_trials)])
            timed_out = deadline is not None and time.monotonic() >= deadline
            if not timed_out and phase.n_trials - phase_counts(study)[phase.name] >= missing:
                raise AlphaForgeError(f"no trial of phase {phase.name!r} finished: they all failed",
                                      where=f"study {settings.study}",
                                      fix="see the FAIL trials in optuna-dashboard or trial_results.json "
                                          "(e.g. a score that is NaN on this data); try another metric or family")
    write_history(study, directory, metric.name)
    write_importances(study, directory)
    summary = write_trial_results(study, directory / "trial_results.json", settings.planned())
    return TuneResult(settings.study, url, directory, summary["phases"], summary["best"], len(finished), timed_out)


def _phased(objective: CVObjective, phase: str) -> Callable[[optuna.Trial], float]:
    """The objective with the trial's phase recorded first (so a killed trial still shows its phase)."""

    def run(trial: optuna.Trial) -> float:
        trial.set_user_attr(PHASE_ATTR, phase)
        return objective(trial)

    return run
