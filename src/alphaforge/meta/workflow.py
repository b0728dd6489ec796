"""Workspace-level meta-model operations: what `alphaforge meta ...` and `alphaforge backtest
--use-meta-model` do, callable from a notebook.

Bars come from the workspace's configured dataset (``--symbols`` / a universe file narrow
them), features from the shared feature cache with the configured feature set, so a meta
dataset's features are the very values training and prediction use. Outputs:

``meta/datasets/{strategy}_{freq}.{parquet,csv}``   meta datasets (default path)
``models/meta/{strategy}/v{n}/``                    meta-models (see :mod:`alphaforge.meta.persistence`)
``backtests/{name}/``                               base/ and meta/ results, comparison.json,
                                                    equity.png (side by side), probabilities
``reports/{name}.html``                             the comparison as a standalone report
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from alphaforge.backtest import Strategy, make_strategy
from alphaforge.choices import META_STRATEGIES
from alphaforge.config import Config
from alphaforge.errors import InputError, MissingInputError
from alphaforge.features import REGISTRY, configured_spec, resolve_features
from alphaforge.inputs import ModelInputs
from alphaforge.meta.backtest import MetaComparison, compare_with_meta
from alphaforge.meta.dataset import (
    KEY_COLUMNS,
    OUTCOME_COLUMNS,
    LabelSpec,
    build_meta_dataset,
    check_frequency,
    feature_columns,
    horizon_in_bars,
    success,
)
from alphaforge.meta.persistence import (
    CALIBRATION_PLOT,
    SavedMetaModel,
    load_meta_model,
    save_meta_model,
    write_meta_model,
)
from alphaforge.meta.report import write_meta_report
from alphaforge.meta.training import MetaRecipe, train_meta_model
from alphaforge.models.registry import ModelRegistry
from alphaforge.tracking import NullTracker, Tracker
from alphaforge.workspace import (
    Workspace,
    atomic_path,
    atomic_write_json,
    atomic_write_parquet,
)

DATASETS_DIR = Path("meta") / "datasets"
MODELS_DIR = Path("models") / "meta"
BACKTESTS_DIR = "backtests"
REPORTS_DIR = "reports"
FORMATS = ("parquet", "csv")


def base_strategy(name: str) -> Strategy:
    """The rule-based strategy ``name`` with its default parameters."""
    if name not in META_STRATEGIES:
        raise InputError(f"strategy {name!r} cannot be a meta-model's base strategy", where="--strategy",
                         fix=f"use one of: {', '.join(META_STRATEGIES)}")
    return make_strategy(name)


def read_universe(path: Path) -> list[str]:
    """Symbols of a universe file: one per line (or comma-separated), ``#`` starts a comment."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no universe file here", where=str(path), fix="pass an existing file, one symbol a line")
    symbols = [s.strip() for line in text.splitlines() for s in line.split("#")[0].split(",") if s.strip()]
    if not symbols:
        raise InputError("the universe file names no symbol", where=str(path), fix="write one symbol a line")
    return symbols


def _inputs(workspace: Workspace, config: Config, freq: str, symbols: Sequence[str] | None) -> ModelInputs:
    """The workspace's bars (checked to be ``freq`` bars) and aligned macro."""
    inputs = ModelInputs.load(workspace, config, symbols=symbols)
    bars = inputs.bars
    if bars.empty:
        raise InputError("no bars in the configured dataset and date range", where="alphaforge.toml: data",
                         fix="check data.dataset, data.start and data.end (`alphaforge data list`)")
    check_frequency(bars, freq, config.data.dataset)
    return inputs


def meta_dataset(workspace: Workspace, *, strategy: str, freq: str = "1d", start: str | None = None,
                 end: str | None = None, symbols: Sequence[str] | None = None, universe: Path | None = None,
                 horizon_days: float | None = None, horizon_bars: int | None = None, threshold: float = 0.02,
                 label_type: str = "binary_absolute",
                 config: Config | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The meta dataset of ``strategy`` on the workspace's bars, and what it was built from.

    ``config`` is the workspace's config when the caller has already read it.
    """
    config = workspace.config() if config is None else config
    chosen = list(symbols or []) or (read_universe(universe) if universe else None)
    spec = LabelSpec(horizon=horizon_in_bars(days=horizon_days, bars=horizon_bars, freq=freq), threshold=threshold,
                     label_type=label_type)
    base = base_strategy(strategy)
    inputs = _inputs(workspace, config, freq, chosen)
    features = inputs.features(resolve_features(configured_spec(config), REGISTRY)).frame
    dataset = build_meta_dataset(inputs.bars, base, features, spec, start=start, end=end)
    info = {"strategy": {"name": base.name, "params": base.get_params()}, "freq": freq,
            "label": {"horizon": spec.horizon, "threshold": spec.threshold, "label_type": spec.label_type},
            "dataset": config.data.dataset, "symbols": sorted(dataset["symbol"].unique().tolist()),
            "notices": inputs.notices}
    return dataset, info


def _describe(dataset: pd.DataFrame) -> dict[str, Any]:
    return {"rows": len(dataset), "features": len(feature_columns(dataset)),
            "symbols": int(dataset["symbol"].nunique()), "start": str(dataset["timestamp"].min()),
            "end": str(dataset["timestamp"].max()), "success_rate": float(success(dataset).mean()),
            "labels": {str(k): int(v) for k, v in dataset["label"].value_counts().sort_index().items()}}


def build_dataset(workspace: Workspace, *, fmt: str = "parquet", output_path: Path | None = None,
                  **source: Any) -> dict[str, Any]:
    """Build a meta dataset (arguments of :func:`meta_dataset`) and write it; returns a summary."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", where="--format", fix=f"use one of: {', '.join(FORMATS)}")
    dataset, info = meta_dataset(workspace, **source)
    path = Path(output_path) if output_path else (
        workspace.root / DATASETS_DIR / f"{info['strategy']['name']}_{info['freq']}.{fmt}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        atomic_write_parquet(path, dataset)
    else:
        with atomic_path(path) as tmp:
            dataset.to_csv(tmp, index=False)
    return {"path": str(path), "format": fmt, **_describe(dataset), "label": info["label"],
            "strategy": info["strategy"]["name"], "notices": info["notices"]}


def read_dataset(path: Path) -> pd.DataFrame:
    """A meta dataset written by :func:`build_dataset` (Parquet or CSV)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no meta dataset here", where=str(path),
                         fix="build one with `alphaforge meta build-dataset`, or pass --strategy to build it now")
    frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    missing = [c for c in (*KEY_COLUMNS, "side", *OUTCOME_COLUMNS) if c not in frame.columns]
    if missing:
        raise InputError(f"not a meta dataset: column(s) {missing} missing", where=str(path),
                         fix="build it with `alphaforge meta build-dataset`")
    if frame.empty:
        raise InputError("the meta dataset has no rows", where=str(path), fix="rebuild it over a wider range")
    for column in ("timestamp", "t1"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.assign(symbol=frame["symbol"].astype(str))


def train(workspace: Workspace, *, dataset_path: Path | None = None, model_type: str = "gradient_boosting",
          calibration: str = "sigmoid", output_model_path: Path | None = None, tracker: Tracker | None = None,
          **source: Any) -> dict[str, Any]:
    """Train a meta-model on a dataset file, or on one built now from ``source`` (``strategy`` ...)."""
    config = workspace.config()
    recipe = MetaRecipe(family=model_type, calibration=calibration, n_splits=config.validation.n_splits,
                        embargo=config.validation.embargo, seed=config.seed)
    if dataset_path is not None:
        dataset = read_dataset(dataset_path)
        first = dataset.iloc[0]
        info: dict[str, Any] = {"strategy": {"name": str(first["strategy"]),
                                             "params": base_strategy(str(first["strategy"])).get_params()},
                                "dataset_path": str(dataset_path),
                                "label": {"horizon": int(first["horizon_bars"]), "label_type": str(first["label_type"]),
                                          "threshold": float(first["success_threshold"])},
                                "notices": []}
    else:
        if not source.get("strategy"):
            raise InputError("neither a dataset nor a strategy given", where="meta train",
                             fix="pass --dataset-path FILE, or --strategy NAME to build the dataset now")
        dataset, info = meta_dataset(workspace, config=config, **source)
    training = train_meta_model(dataset, recipe)
    model_config = {**{k: v for k, v in info.items() if k != "notices"},
                    "training_range": {"start": str(dataset["timestamp"].min()), "end": str(dataset["t1"].max())}}
    notices = list(info.get("notices", []))
    if output_model_path is not None:
        folder = save_meta_model(Path(output_model_path), training, model_config)
        if folder != Path(output_model_path):
            notices.append(f"a meta-model is a folder of safe formats, not a pickle: {output_model_path} names the "
                           f"folder {folder} (pass either to --meta-model-path)")
    else:
        name = info["strategy"]["name"]
        folder = ModelRegistry(workspace.root / MODELS_DIR).create(
            name, lambda staging: write_meta_model(staging, training, model_config)).path
    tracker = tracker or NullTracker()
    with tracker.run("meta_train", run_name=f"meta {info['strategy']['name']} {model_type}") as run:
        run.log_params({"recipe": recipe.to_dict(), "label": info.get("label"), "strategy": info["strategy"],
                        "events": len(dataset)})
        run.log_metrics({k: float(v) for k, v in training.metrics.items() if math.isfinite(v)})
        run.log_artifacts(folder, "meta_model")
    return {"path": str(folder), "strategy": info["strategy"]["name"], "model_type": model_type,
            "calibration": calibration, "metrics": training.metrics, "folds": training.folds,
            "calibration_plot": str(folder / CALIBRATION_PLOT), "features": len(training.features),
            "run_id": run.run_id, "notices": [*notices, *getattr(tracker, "notices", [])]}


def find_meta_model(workspace: Workspace, strategy: str, path: Path | None = None) -> SavedMetaModel:
    """The meta-model at ``path``, else the latest one trained for ``strategy`` in the workspace."""
    if path is not None:
        return load_meta_model(path)
    versions = ModelRegistry(workspace.root / MODELS_DIR).versions(strategy)
    if not versions:
        raise MissingInputError(f"no meta-model for strategy {strategy!r} in this workspace",
                                where=str(workspace.root / MODELS_DIR),
                                fix=f"train one first: `alphaforge meta train --strategy {strategy}`, or pass "
                                    "--meta-model-path")
    return load_meta_model(versions[-1].path)


def backtest_with_meta(workspace: Workspace, *, strategy: str | None = None, meta_model_path: Path | None = None,
                       mode: str = "filter", min_confidence: float = 0.5, start: str | None = None,
                       end: str | None = None, name: str | None = None, generate_report: bool = False,
                       tracker: Tracker | None = None) -> dict[str, Any]:
    """Backtest the base strategy and its meta-adjusted version side by side (out of sample).

    The meta-model's recipe (family, calibration, label spec, features) is refitted
    walk-forward over the workspace's bars, so every signal is judged by a model trained only
    on signals whose outcome was known before it (:mod:`alphaforge.meta.walkforward`).
    """
    config = workspace.config()
    strategy = strategy or config.backtest.strategy
    base = base_strategy(strategy)
    saved = find_meta_model(workspace, strategy, meta_model_path)
    trained_for = saved.card.strategy.name
    if trained_for != base.name:
        raise InputError(f"the meta-model was trained on {trained_for!r} signals, not {base.name!r}",
                         where=str(saved.path), fix=f"pass a meta-model trained with --strategy {base.name}")
    inputs = ModelInputs.load(workspace, config)
    bars = inputs.bars
    names = [c for c in saved.features if c != "side"]
    features = inputs.features(resolve_features(configured_spec(config), REGISTRY)).frame
    notices = inputs.notices
    missing = [c for c in names if c not in features.columns]
    if missing:
        raise InputError(f"the meta-model reads feature(s) {missing[:5]} the current feature set lacks",
                         where="alphaforge.toml: features", fix="restore the feature set it was trained with, "
                                                               "or retrain it: `alphaforge meta train`")
    label = saved.card.label
    spec = LabelSpec(horizon=label.horizon, threshold=label.threshold, label_type=label.label_type)
    comparison = compare_with_meta(bars, base, features[[*KEY_COLUMNS, *names]], spec, saved.recipe, mode=mode,
                                   min_confidence=min_confidence, start=start, end=end,
                                   n_windows=config.validation.n_splits, fees_bps=config.backtest.fees_bps,
                                   slippage_bps=config.backtest.slippage_bps, benchmark=config.backtest.benchmark)
    name = name or f"{base.name}-meta-{mode}"
    summary = _write_comparison(workspace, name, comparison, saved, generate_report)
    tracker = tracker or NullTracker()
    with tracker.run("backtest", run_name=f"backtest {name}") as run:
        run.log_params({"strategy": base.name, "meta_mode": mode, "meta_min_confidence": min_confidence,
                        "meta_model": str(saved.path), "recipe": saved.recipe.to_dict()})
        run.log_metrics({f"{side}_{row['metric']}": float(row[side]) for row in comparison.table()
                         for side in ("base", "meta") if isinstance(row[side], (int, float)) and math.isfinite(row[side])})
        run.log_artifacts(workspace.root / summary["directory"], "backtest")
    summary.update(run_id=run.run_id, notices=[*notices, *getattr(tracker, "notices", [])])
    return summary


def _write_comparison(workspace: Workspace, name: str, comparison: MetaComparison, saved: SavedMetaModel,
                      generate_report: bool) -> dict[str, Any]:
    folder = workspace.subdir(BACKTESTS_DIR) / name
    comparison.base.save(folder / "base")
    comparison.meta.save(folder / "meta")
    atomic_write_parquet(folder / "meta_probabilities.parquet", comparison.probabilities)
    plot = comparison.plot(folder / "equity.png")
    summary: dict[str, Any] = {
        "name": name, "strategy": comparison.base.settings["strategy"], "mode": comparison.mode,
        "min_confidence": comparison.min_confidence, "meta_model": str(saved.path),
        "start": comparison.base.settings["start"], "end": comparison.base.settings["end"],
        "comparison": comparison.table(), "signals": comparison.signal_counts(),
        "meta_model_metrics": saved.results().metrics,
        "directory": workspace.relative(folder), "plot": workspace.relative(plot)}
    if generate_report:
        report = write_meta_report(comparison, workspace.subdir(REPORTS_DIR) / f"{name}.html", equity_png=plot,
                                   calibration_png=saved.path / CALIBRATION_PLOT,
                                   model_metrics=summary["meta_model_metrics"], model_path=str(saved.path))
        summary["report"] = workspace.relative(report)
    atomic_write_json(folder / "comparison.json", summary)
    return summary
