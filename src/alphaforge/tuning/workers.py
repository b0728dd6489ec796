"""Tuning trials on an executor: several workers fill one study in a shared database.

That is how Optuna scales out: every worker (a process here, or on another machine) opens the
same study in the same RDB storage (``postgresql://...`` for machines, SQLite for one
machine) and runs its own ``optimize`` loop; the database hands out trial numbers, so no
trial is run twice or lost. Trials send heartbeats: a worker that dies mid-trial leaves a
trial that any later worker marks FAIL once the heartbeat is older than the grace period.

- :func:`tune_on_executor`: AlphaForge's three-phase study (:func:`alphaforge.tuning.tune`)
  run by ``workers`` tasks; each phase fills up to its size (parallel workers may overshoot a
  phase by one trial each, see :mod:`alphaforge.tuning.phases`).
- :func:`optimize_on_executor`: any objective, an exact number of trials per worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from alphaforge.executors.base import Executor, JobResult
from alphaforge.tuning.dataset import TuningData
from alphaforge.tuning.phases import TrialSeededRandomSampler
from alphaforge.tuning.study import GRACE_PERIOD_S, HEARTBEAT_INTERVAL_S, open_storage
from alphaforge.tuning.tune import TuneSettings, tune
from alphaforge.workspace import Workspace


@dataclass(frozen=True)
class TuneTask:
    """One worker of a three-phase study (picklable: the data travels with it)."""

    workspace: str
    data: TuningData
    settings: TuneSettings
    heartbeat_interval: int = HEARTBEAT_INTERVAL_S
    grace_period: int = GRACE_PERIOD_S


def tune_task(task: TuneTask) -> dict[str, Any]:
    """Run :func:`~alphaforge.tuning.tune` in this worker; its summary as a dict."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    result = tune(Workspace.open(Path(task.workspace)), task.data, task.settings,
                  heartbeat_interval=task.heartbeat_interval, grace_period=task.grace_period)
    return result.to_dict()


def tune_on_executor(executor: Executor, workspace: Workspace, data: TuningData, settings: TuneSettings, *,
                     workers: int | None = None, heartbeat_interval: int = HEARTBEAT_INTERVAL_S,
                     grace_period: int = GRACE_PERIOD_S) -> list[JobResult]:
    """Fill the study of ``settings`` with ``workers`` (default: the executor's) tuning workers at once.

    Workers share ``settings.storage`` (default: the workspace's SQLite file, which suits one
    machine; pass a ``postgresql://`` URL for a cluster). Each result holds that worker's
    :class:`~alphaforge.tuning.TuneResult` as a dict, or its error and traceback.
    """
    open_storage(settings.storage_url(workspace)).engine.dispose()  # create the tables once, not in racing workers
    task = TuneTask(str(workspace.root.resolve()), data, settings, heartbeat_interval, grace_period)
    return executor.map(tune_task, [task] * (workers or executor.workers))


@dataclass(frozen=True)
class TrialBatch:
    """``n_trials`` trials of ``objective`` on the existing study ``study`` at ``storage``."""

    storage: str
    study: str
    n_trials: int
    objective: Callable[[optuna.Trial], float]
    seed: int = 0
    heartbeat_interval: int = HEARTBEAT_INTERVAL_S
    grace_period: int = GRACE_PERIOD_S


def optimize_batch(batch: TrialBatch) -> list[int]:
    """Run the batch's trials in this worker; the numbers of the trials it ran.

    Parameters come from :class:`~alphaforge.tuning.phases.TrialSeededRandomSampler`: a trial's
    draw depends on the seed and its number only, so workers never repeat a point and the
    same seed gives the same trials whatever the executor.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = open_storage(batch.storage, heartbeat_interval=batch.heartbeat_interval,
                           grace_period=batch.grace_period)
    study = optuna.load_study(study_name=batch.study, storage=storage, sampler=TrialSeededRandomSampler(batch.seed))
    numbers: list[int] = []

    def record(study: optuna.Study, trial: FrozenTrial) -> None:
        numbers.append(trial.number)

    study.optimize(batch.objective, n_trials=batch.n_trials, callbacks=[record])
    return numbers


def optimize_on_executor(executor: Executor, storage: str, study: str, objective: Callable[[optuna.Trial], float],
                         trials_per_worker: Sequence[int], *, seed: int = 0,
                         heartbeat_interval: int = HEARTBEAT_INTERVAL_S,
                         grace_period: int = GRACE_PERIOD_S) -> list[JobResult]:
    """Run ``trials_per_worker[i]`` trials in worker ``i``, all on the study ``study`` (created by the caller).

    ``objective`` must be picklable (a module-level function or an instance of a module-level
    class). Each result holds the trial numbers that worker ran.
    """
    batches = [TrialBatch(storage, study, n, objective, seed, heartbeat_interval, grace_period)
               for n in trials_per_worker]
    return executor.map(optimize_batch, batches)
