"""The `train` stage: training matrix → best and final model → registry version → tracked run.

``--config best_config.json`` (written by `alphaforge analyze`) may set ``family``,
``params`` (the family's hyperparameters), ``target``, ``features`` (the ordered feature
columns) and ``symbols``; other keys in it (task, scores, provenance) are ignored. Explicit arguments win over the file, the
file over ``[models]`` in ``alphaforge.toml``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alphaforge.config import Config
from alphaforge.errors import InputError
from alphaforge.models import family_class
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
from alphaforge.pipeline.matrix import TrainingMatrix, training_matrix
from alphaforge.pipeline.walkforward import fit_models
from alphaforge.targets import parse_target
from alphaforge.tracking import NullTracker, Tracker, git_commit, package_versions
from alphaforge.workspace import Workspace, atomic_write_json

BEST_CONFIG_KEYS = ("family", "params", "target", "features", "symbols")


def read_best_config(path: Path) -> dict[str, Any]:
    """The training settings in a ``best_config.json`` (see the module docstring)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", where=str(path),
                         fix="run `alphaforge analyze` to write analysis/best_config.json, or fix the path") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc}", where=str(path), fix="fix the file or re-run `alphaforge analyze`"
                         ) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", where=str(path), fix='use {"family": ..., "params": {...}}')
    if not isinstance(data.get("params", {}), dict):
        raise InputError("'params' must be an object of hyperparameters", where=f"{path}: params",
                         fix='e.g. "params": {"learning_rate": 0.03, "num_leaves": 63}')
    for key in ("features", "symbols"):
        names = data.get(key)
        if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
            raise InputError(f"'{key}' must be a list of names", where=f"{path}: {key}",
                             fix='e.g. "features": ["px_ret_6", "ta_rsi_14"], "symbols": ["AAPL", "MSFT"]')
    return {key: data[key] for key in BEST_CONFIG_KEYS if key in data}


def model_config(matrix: TrainingMatrix, outcome: TrainingOutcome, config: Config, family: str) -> dict[str, Any]:
    """config.json of a version: everything needed to reproduce and to check compatibility."""
    spec = parse_target(matrix.target)
    symbols = matrix.symbols
    return {
        "created": datetime.now(tz=UTC).isoformat(), "family": family, "task": matrix.task,
        "params": outcome.final.resolved_params(), "best_iteration": outcome.best.best_iteration_,
        "seed": config.seed, "device": {"requested": config.models.device, "used": outcome.final.device_},
        "target": {"name": matrix.target, "kind": spec.kind, "params": dict(spec.params)},
        "features": matrix.feature_names, "symbols": symbols,
        "scope": "per_symbol" if len(symbols) == 1 else "cross_sectional", "panel": matrix.panel.to_dict(),
        "classes": None if outcome.final.classes_ is None else outcome.final.classes_.tolist(),
        "training_range": {"start": matrix.timestamps.min().isoformat(), "end": matrix.timestamps.max().isoformat(),
                           "validation_start": outcome.split.validation_start.isoformat()},
        "dataset": config.data.dataset, "macro": config.data.macro,
        "data_fingerprint": matrix.data_fingerprint, "feature_fingerprint": matrix.feature_fingerprint,
        "versions": package_versions(), "git_commit": git_commit(),
    }


def training_results(matrix: TrainingMatrix, outcome: TrainingOutcome) -> dict[str, Any]:
    """training_results.json: split, best iteration and metrics (no times: reruns compare equal)."""
    return {"rows": len(matrix.y), "split": outcome.split.to_dict(), "best_iteration": outcome.best.best_iteration_,
            "metrics": outcome.metrics}


def _write_version(folder: Path, matrix: TrainingMatrix, outcome: TrainingOutcome, config: dict[str, Any]) -> None:
    outcome.best.save(folder / BEST_DIR)
    outcome.final.save(folder / FINAL_DIR)
    atomic_write_json(folder / CONFIG_FILE, config)
    atomic_write_json(folder / RESULTS_FILE, training_results(matrix, outcome))
    classes = None if outcome.best.classes_ is None else outcome.best.classes_.tolist()
    write_plots(folder / PLOTS_DIR, matrix.task, outcome.best.feature_importance(), outcome.validation_labels,
                outcome.validation_output, classes)


def train(workspace: Workspace, *, target: str | None = None, family: str | None = None,
          best_config: Path | None = None, symbols: list[str] | None = None, features: list[str] | None = None,
          name: str | None = None, tracker: Tracker | None = None,
          arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train the best and final models of one target and register them as a new version.

    ``symbols`` and ``features`` (ordered feature columns), like ``target`` and ``family``,
    win over ``best_config``.

    Returns a summary (name, version, path, metrics, notices, run id) for the CLI.
    """
    config = workspace.config()
    chosen = read_best_config(best_config) if best_config else {}
    target = target or chosen.get("target") or config.models.target
    family = family or chosen.get("family") or config.models.family
    family_class(family)
    tracker = tracker or NullTracker()
    matrix = training_matrix(workspace, config, target, symbols or chosen.get("symbols"),
                             features or chosen.get("features"))
    name = name or f"{matrix.target}-{family}"
    with tracker.run("train", run_name=f"train {name}") as run:
        outcome = fit_models(matrix, config, family, slice(None), chosen.get("params"))
        details = model_config(matrix, outcome, config, family)
        with workspace.lock(f"train {name}", wait=120):
            version = ModelRegistry(workspace.subdir("models")).create(
                name, lambda folder: _write_version(folder, matrix, outcome, details))
        run.log_params({"config": config.model_dump(mode="json"), "cli": arguments or {},
                        "train": {"family": family, "target": matrix.target, "params": details["params"],
                                  "best_config": str(best_config) if best_config else ""}})
        run.log_metrics({f"{part}.{key}": value for part, values in outcome.metrics.items()
                         for key, value in values.items()} | {"best_iteration": details["best_iteration"] or 0})
        run.set_tags({"target": matrix.target, "family": family, "task": matrix.task, "model.name": name,
                      "model.version": version.version, "data_fingerprint": matrix.data_fingerprint,
                      "feature_fingerprint": matrix.feature_fingerprint})
        run.log_artifacts(version.path, "model")
    return {"name": name, "version": version.version, "path": str(version.path), "family": family,
            "target": matrix.target, "task": matrix.task, "rows": len(matrix.y), "features": len(matrix.feature_names),
            "symbols": matrix.symbols, "best_iteration": details["best_iteration"], "split": outcome.split.to_dict(),
            "metrics": outcome.metrics, "run_id": run.run_id,
            "notices": [*matrix.notices, *outcome.notices, *tracker.notices]}
