"""The `train` stage: training matrix → best and final model → registry version → tracked run.

``--config best_config.json`` (written by `alphaforge analyze`; without it the workspace's
``analysis/best_config.json`` when it is for the configured target, see
:mod:`alphaforge.pipeline.best_config`) may set ``family``, ``params``, ``target``, ``features``
and ``symbols``. Explicit arguments win over the file, the file over ``[models]``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.artifacts import GATE_DIR, ModelCard, TargetRef, TimeRange, TrainingResults
from alphaforge.config import Config
from alphaforge.names import check_name
from alphaforge.data.datasets import load_bars
from alphaforge.data.schema import wide_table
from alphaforge.heap import release_unused
from alphaforge.models import family_class
from alphaforge.models.base import ModelFamily
from alphaforge.models.plots import write_plots
from alphaforge.models.registry import (
    BEST_DIR,
    CONFIG_FILE,
    FINAL_DIR,
    PLOTS_DIR,
    RESULTS_FILE,
    ModelRegistry,
)
from alphaforge.models.training import TrainingOutcome
from alphaforge.novelty import NoveltyGate, configured_gate
from alphaforge.pipeline.best_config import TunedConfig, find_tuned, read_best_config
from alphaforge.matrix import TrainingMatrix, shared_training_matrix
from alphaforge.pipeline.walkforward import fit_models, label_horizon
from alphaforge.predict.scores import scores_of_outputs
from alphaforge.progress import Progress
from alphaforge.targets import parse_target
from alphaforge.tracking import NullTracker, Tracker, git_commit, package_versions
from alphaforge.validation.acceptance import acceptance, check_criteria
from alphaforge.validation.tearsheet import tear_sheet
from alphaforge.validation.verdicts import Verdict, model_verdicts, verdict_tags
from alphaforge.workspace import Workspace


def model_card(matrix: TrainingMatrix, outcome: TrainingOutcome, config: Config, family: str,
               provenance: dict[str, Any] | None = None) -> ModelCard:
    """The card (``config.json``) of a version: everything needed to reproduce and to check
    compatibility; ``provenance`` records what produced it (e.g. the run stage's key)."""
    spec = parse_target(matrix.target)
    symbols = matrix.symbols
    return ModelCard(
        stage="train", created=datetime.now(tz=UTC).isoformat(), family=family, task=matrix.task,
        params=outcome.final.resolved_params(), best_iteration=outcome.best.best_iteration_, seed=config.seed,
        device={"requested": config.models.device, "used": outcome.final.device_},
        target=TargetRef(name=matrix.target, kind=spec.kind, params=dict(spec.params)),
        features=matrix.feature_names, symbols=symbols,
        scope="per_symbol" if len(symbols) == 1 else "cross_sectional", panel=matrix.panel.to_dict(),
        classes=None if outcome.final.classes_ is None else outcome.final.classes_.tolist(),
        training_range=TimeRange(start=matrix.timestamps.min().isoformat(), end=matrix.timestamps.max().isoformat(),
                                 validation_start=outcome.split.validation_start.isoformat()),
        dataset=config.data.dataset, macro=config.data.macro, data_fingerprint=matrix.data_fingerprint,
        feature_fingerprint=matrix.feature_fingerprint, versions=package_versions(), git_commit=git_commit(),
        provenance=dict(provenance or {}))


def _accepted(config: Config, validation: dict[str, Any]) -> dict[str, Any]:
    """``[acceptance] criteria`` against the best model's validation metrics: each row and the whole."""
    rows = acceptance(config.acceptance.criteria, validation)
    return {"acceptance": rows, "accepted": all(row["passed"] for row in rows)}


def validation_verdicts(workspace: Workspace, config: Config, matrix: TrainingMatrix,
                        outcome: TrainingOutcome) -> list[Verdict]:
    """What the best model's validation rows say: degenerate or not, edge or none (the split the
    best model never trained on; the walk-forward's tear sheet is the fuller answer). The scores
    are those of the outputs the fit kept (``outcome.validation_output``): predicting the rows
    again cost 0.7 s at 1 M rows."""
    rows = outcome.split.validation
    frame = pd.DataFrame({"symbol": matrix.X.index.get_level_values("symbol")[rows],
                          "timestamp": matrix.timestamps[rows],
                          "score": scores_of_outputs(outcome.best, outcome.validation_output),
                          "label": matrix.y[rows]}).sort_values(["timestamp", "symbol"], kind="stable")
    close = wide_table(load_bars(workspace, config, symbols=matrix.symbols), "close")
    sheet = tear_sheet(frame.reset_index(drop=True), close, label_horizon(matrix), config.validation.n_quantiles)
    return model_verdicts(sheet, rounds=[outcome.best.best_iteration_], min_t=config.validation.edge_t,
                          what="on the validation split")


def training_results(matrix: TrainingMatrix, outcome: TrainingOutcome, verdicts: list[Verdict]) -> TrainingResults:
    """training_results.json: split, best iteration, metrics and verdicts (no times: reruns compare equal)."""
    return TrainingResults(rows=len(matrix.y), split=outcome.split.to_dict(), best_iteration=outcome.best.best_iteration_,
                           metrics=outcome.metrics, verdicts=[v.to_dict() for v in verdicts])


def _write_version(folder: Path, matrix: TrainingMatrix, outcome: TrainingOutcome, card: ModelCard,
                   verdicts: list[Verdict], gate: NoveltyGate) -> None:
    outcome.best.save(folder / BEST_DIR)
    outcome.final.save(folder / FINAL_DIR)
    card.save(folder / CONFIG_FILE)
    gate.save(folder / GATE_DIR)
    training_results(matrix, outcome, verdicts).save(folder / RESULTS_FILE)
    classes = None if outcome.best.classes_ is None else outcome.best.classes_.tolist()
    write_plots(folder / PLOTS_DIR, matrix.task, outcome.best.feature_importance(), outcome.validation_labels,
                outcome.validation_output, classes)


def train(workspace: Workspace, *, target: str | None = None, family: str | None = None,
          best_config: Path | None = None, symbols: list[str] | None = None, features: list[str] | None = None,
          name: str | None = None, exclude: list[str] | None = None, tracker: Tracker | None = None,
          arguments: dict[str, Any] | None = None, config: Config | None = None,
          progress: Progress | None = None, provenance: dict[str, Any] | None = None,
          params: dict[str, Any] | None = None, shared: dict[str, Any] | None = None,
          since: pd.Timestamp | None = None,
          continue_from: tuple[ModelFamily, ModelFamily] | None = None) -> dict[str, Any]:
    """Train the best and final models of one target and register them as a new version.

    ``since`` keeps the rows from that time on (a rolling window; features still read the
    history before it, so each value is the one the whole history gives). ``continue_from`` (a
    previous version's best and final models, same family and features) is continued by
    ``[live] continue_rounds`` instead of training from scratch (a live retrain).

    ``params`` (hyperparameters of the family) win over the tuned ones. ``exclude`` names feature
    columns to leave out (default: those the truncation test flags,
    :func:`alphaforge.selection.auto.leak_flags`). ``symbols`` and ``features`` (ordered feature
    columns), like ``target`` and ``family``, win over ``best_config`` (default: the workspace's tuned configuration for ``[models] target``,
    when there is one). ``config`` is the workspace's parsed configuration when the caller holds
    it (a run parses it once).

    Returns a summary (name, version, path, metrics, notices, run id) for the CLI.
    """
    if name is not None:
        check_name(name, where="model name (--name)")  # refused before the training, not after it
    config = config or workspace.config()
    check_criteria(config.acceptance.criteria)  # a criterion no model reports is refused before training
    tuned, tuned_notices = ((TunedConfig(Path(best_config), read_best_config(best_config), ""), []) if best_config
                            else find_tuned(workspace, config))
    chosen = tuned.settings if tuned else {}
    target = target or chosen.get("target") or config.models.target
    family = family or chosen.get("family") or config.models.family
    family_class(family)
    tracker = tracker or NullTracker()
    if exclude is None:  # the truncation test's verdict (cached), unless the caller (the runner) has it
        from alphaforge.selection.auto import leak_flags

        with workspace.lock("train: truncation test", wait=120):
            exclude = sorted({flag.feature for flag in leak_flags(workspace, config)})
    matrix = shared_training_matrix(shared, workspace, config, target, symbols or chosen.get("symbols"),
                                    features or chosen.get("features"), exclude)
    if since is not None:
        matrix = matrix.take(np.flatnonzero(matrix.timestamps >= pd.Timestamp(since)))
    name = name or f"{matrix.target}-{family}"
    with tracker.run("train", run_name=f"train {name}") as run:
        outcome = fit_models(matrix, config, family, slice(None), {**chosen.get("params", {}), **(params or {})},
                             progress=progress, continue_from=continue_from)
        release_unused()  # the fits' buffers, freed in LightGBM's thread heaps: not carried into the gate's fit
        card = model_card(matrix, outcome, config, family, provenance)
        verdicts = validation_verdicts(workspace, config, matrix, outcome)
        gate = configured_gate(config).fit(matrix.X)  # the rows the final model trained on, what it has seen
        with workspace.lock(f"train {name}", wait=120):
            version = ModelRegistry(workspace.subdir("models")).create(
                name, lambda folder: _write_version(folder, matrix, outcome, card, verdicts, gate))
        run.log_params({"config": config.model_dump(mode="json"), "cli": arguments or {},
                        "train": {"family": family, "target": matrix.target, "params": card.params,
                                  "best_config": str(tuned.path) if tuned else ""}})
        run.log_metrics({f"{part}.{key}": value for part, values in outcome.metrics.items()
                         for key, value in values.items()} | {"best_iteration": card.best_iteration or 0})
        run.set_tags({**verdict_tags(verdicts), "target": matrix.target, "family": family, "task": matrix.task,
                      "model.name": name,
                      "model.version": version.version, "data_fingerprint": matrix.data_fingerprint,
                      "feature_fingerprint": matrix.feature_fingerprint})
        run.log_artifacts(version.path, "model")
    return {"name": name, "version": version.version, "path": str(version.path), "family": family,
            "target": matrix.target, "task": matrix.task, "rows": len(matrix.y), "features": len(matrix.feature_names),
            "symbols": matrix.symbols, "best_iteration": card.best_iteration, "split": outcome.split.to_dict(),
            "metrics": outcome.metrics, "verdicts": [v.to_dict() for v in verdicts], "run_id": run.run_id,
            **_accepted(config, outcome.metrics.get("validation", {})),
            "notices": [*tuned_notices, *matrix.notices, *outcome.notices, *gate.notices(), *tracker.notices]}
