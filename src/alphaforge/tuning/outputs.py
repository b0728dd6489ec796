"""What a study leaves in ``tuning/<study>/`` besides its database.

- ``trial_results.json``: every trial (number, phase, state, value, parameters, fold scores,
  duration) with the phase counts and the best trial;
- ``optimization_history.json`` and ``.png``: each finished trial's score and the best so far;
- ``param_importances.json`` and ``.png``: PED-ANOVA importance (Optuna's default evaluator,
  named explicitly so the numbers do not change with Optuna's default) over the complete trials;
- ``checkpoints/trial_<n>/``: the last-fold model of each of the top-k trials, saved in the
  family's native format (no pickles) with its card (``config.json``, the
  :class:`~alphaforge.artifacts.ModelCard` a registry version has); trials that fall out of the
  top k lose theirs; ``best_model/`` holds the best trial's (the registry finds it there).

Every file is written atomically; plots use matplotlib's object API (no global pyplot state),
so threads and processes can write side by side.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
from matplotlib.figure import Figure
from optuna.trial import FrozenTrial, TrialState

from alphaforge.artifacts import ModelCard, TargetRef, TimeRange, TrialResults
from alphaforge.artifacts.model_folder import Stage
from alphaforge.models import ModelFamily
from alphaforge.models.registry import CHECKPOINT_DIR, save_checkpoint
from alphaforge.targets import parse_target
from alphaforge.tuning.dataset import TuningData
from alphaforge.tuning.phases import NARROWED_ATTR, PHASE_ATTR, PHASES, best_trials
from alphaforge.workspace import atomic_dir, atomic_write_json, atomic_write_png, file_lock

CHECKPOINTS = "checkpoints"
CHECKPOINTS_LOCK = ".checkpoints.lock"
"""Held while a finished trial's checkpoints are decided and written (see :func:`checkpoint_callback`)."""
CHECKPOINTS_WAIT_S = 300.0
"""How long a worker waits for another's checkpoint writes (a model folder takes seconds)."""
_COLORS = {"random": "tab:gray", "bayes": "tab:blue", "fine": "tab:green"}


def trial_record(trial: FrozenTrial) -> dict[str, Any]:
    """One trial as JSON: number, phase, state, value, params, fold scores, timing."""
    duration = trial.duration.total_seconds() if trial.duration is not None else None
    return {"number": trial.number, "phase": trial.user_attrs.get(PHASE_ATTR), "state": trial.state.name,
            "value": trial.value, "params": trial.params, "fold_scores": trial.user_attrs.get("fold_scores", []),
            "duration_s": duration, "started": _iso(trial.datetime_start), "completed": _iso(trial.datetime_complete)}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def phase_summary(study: optuna.Study, planned: dict[str, int]) -> dict[str, dict[str, int]]:
    """Per phase: trials planned and trials per state."""
    summary = {p: {"planned": planned.get(p, 0), "complete": 0, "pruned": 0, "fail": 0, "running": 0}
               for p in PHASES}
    for trial in study.get_trials(deepcopy=False):
        phase = trial.user_attrs.get(PHASE_ATTR)
        key = trial.state.name.lower()
        if phase in summary and key in summary[phase]:
            summary[phase][key] += 1
    return summary


def write_trial_results(study: optuna.Study, path: Path, planned: dict[str, int]) -> dict[str, Any]:
    """``trial_results.json``; returns what it wrote."""
    best = best_trials(study, 1)
    attrs = dict(study.user_attrs)
    if NARROWED_ATTR in attrs:  # stored as JSON text; shown as {name: distribution}
        attrs[NARROWED_ATTR] = {n: json.loads(t) for n, t in json.loads(attrs[NARROWED_ATTR]).items()}
    results = TrialResults(study=study.study_name, direction=study.direction.name.lower(), **attrs,
                           phases=phase_summary(study, planned), best=trial_record(best[0]) if best else None,
                           trials=[trial_record(t) for t in study.get_trials(deepcopy=False)])
    results.save(path)
    return results.to_dict()


def history(study: optuna.Study) -> list[dict[str, Any]]:
    """Complete trials in order with their value and the best value so far."""
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
    rows, best = [], None
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        value = float(trial.value)  # type: ignore[arg-type]
        best = value if best is None else (max(best, value) if maximize else min(best, value))
        rows.append({"number": trial.number, "phase": trial.user_attrs.get(PHASE_ATTR), "value": value,
                     "best_so_far": best})
    return rows


def write_history(study: optuna.Study, directory: Path, metric: str) -> list[dict[str, Any]]:
    """``optimization_history.json`` and ``.png`` (points coloured by phase, best-so-far line)."""
    rows = history(study)
    atomic_write_json(directory / "optimization_history.json", rows)
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    for phase in PHASES:
        points = [r for r in rows if r["phase"] == phase]
        axes.scatter([r["number"] for r in points], [r["value"] for r in points], s=18, label=phase,
                     color=_COLORS[phase])
    axes.step([r["number"] for r in rows], [r["best_so_far"] for r in rows], where="post", color="black",
              label="best so far")
    axes.set(title=f"{study.study_name}: optimization history", xlabel="trial", ylabel=metric)
    axes.legend()
    atomic_write_png(figure, directory / "optimization_history.png", dpi=110, tight=True)
    return rows


def write_importances(study: optuna.Study, directory: Path) -> dict[str, float]:
    """``param_importances.json`` and ``.png``; empty (and no plot) with fewer than 2 complete trials."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    importances: dict[str, float] = {}
    if len(complete) >= 2 and len({t.value for t in complete}) > 1:
        evaluator = optuna.importance.PedAnovaImportanceEvaluator()
        importances = {k: float(v) for k, v in optuna.importance.get_param_importances(study, evaluator=evaluator).items()}
    atomic_write_json(directory / "param_importances.json", importances)
    if importances:
        figure = Figure(figsize=(7, 0.5 + 0.4 * len(importances)))
        axes = figure.add_subplot()
        names = list(importances)[::-1]
        axes.barh(names, [importances[n] for n in names], color="tab:blue")
        axes.set(title=f"{study.study_name}: parameter importance (PED-ANOVA)", xlabel="importance")
        atomic_write_png(figure, directory / "param_importances.png", dpi=110, tight=True)
    return importances


def checkpoint_card(data: TuningData, family: str, params: dict[str, Any], seed: int, stage: Stage,
                    train_rows: np.ndarray, provenance: dict[str, Any]) -> ModelCard:
    """The card (``config.json``) saved beside a checkpoint: what predict and backtest need to use
    the model, as a registry version records it. ``train_rows`` are the rows the model was fitted
    on (the last fold's): their sample times are its training range, which the backtest refuses to
    overlap. The model is fitted to the whole panel, so its scope is cross-sectional."""
    spec = parse_target(data.target)
    times = pd.to_datetime(data.times[train_rows], utc=True)
    return ModelCard(stage=stage, created=datetime.now(tz=UTC).isoformat(), family=family, task=data.task,
                     params=params, seed=seed, target=TargetRef(name=data.target, kind=spec.kind,
                                                                params=dict(spec.params)),
                     features=data.features, symbols=data.symbols, scope="cross_sectional",
                     training_range=TimeRange(start=times.min().isoformat(), end=times.max().isoformat()),
                     data_fingerprint=data.fingerprint, provenance=provenance)


def save_model_dir(target: Path, model: ModelFamily, card: ModelCard) -> Path:
    """Save ``model`` and its ``card`` as the folder ``target``, written aside and renamed into place."""
    with atomic_dir(target) as staging:
        save_checkpoint(staging, model, card)
    return target


def keep_checkpoints(directory: Path, numbers: set[int]) -> None:
    """Remove the checkpoints of trials not in ``numbers`` (the current top k)."""
    root = directory / CHECKPOINTS
    if not root.is_dir():
        return
    for path in root.glob("trial_*"):
        if path.is_dir() and path.name.removeprefix("trial_").isdigit() and int(path.name[6:]) not in numbers:
            shutil.rmtree(path, ignore_errors=True)


def checkpoint_callback(directory: Path, top_k: int, pop_model: Callable[[int], ModelFamily | None],
                        card_of: Callable[[FrozenTrial], ModelCard]) -> Callable[[optuna.Study, FrozenTrial], None]:
    """An ``optimize`` callback saving a finished trial's model while it is in the top ``top_k``.

    The best trial's model is also ``tuning/<study>/best_model/``, where predict and backtest
    find it when no final model exists yet.

    Workers finishing trials at once (an executor's) decide and write under one lock, each after
    the others: an earlier best never overwrites a better trial's model that another worker wrote
    first, and no worker removes a checkpoint another is writing.
    """

    def callback(study: optuna.Study, trial: FrozenTrial) -> None:
        model = pop_model(trial.number)
        if top_k <= 0 or model is None or trial.state != TrialState.COMPLETE:
            return
        with file_lock(directory / CHECKPOINTS_LOCK, wait=CHECKPOINTS_WAIT_S, purpose="tuning checkpoints"):
            top = best_trials(study, top_k)
            if trial.number in {t.number for t in top}:
                card = card_of(trial)
                save_model_dir(directory / CHECKPOINTS / f"trial_{trial.number}", model, card)
                if top[0].number == trial.number:
                    save_model_dir(directory / CHECKPOINT_DIR, model, card)
            keep_checkpoints(directory, {t.number for t in top})

    return callback
