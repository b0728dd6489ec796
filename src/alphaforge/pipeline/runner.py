"""`alphaforge run`: every stage from raw data to the report, each cached on its inputs.

Order: features → targets → [target ranking → feature selection → routing → training plan,
with ``auto_targets``] → [tune → cv → analyze, when ``[tuning] enabled``] → walk_forward →
train → predict → backtest → report. A stage reruns only when its code, its configuration
slice, its upstream keys or the raw data changed (see :mod:`alphaforge.stages`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alphaforge.config import Config
from alphaforge.data.datasets import import_bundled, raw_store, source_key
from alphaforge.errors import AlphaForgeError
from alphaforge.pipeline.best_config import BEST_CONFIG_PATH, TunedConfig
from alphaforge.progress import Progress
from alphaforge.stages import (
    Stage,
    StageContext,
    StageOutcome,
    StageResult,
    run_stages,
)
from alphaforge.workspace import Workspace, file_sha256

if TYPE_CHECKING:
    from alphaforge.executors.base import Executor

# Stage bodies import their libraries when they run: a fully cached run never loads them.


def ensure_data(workspace: Workspace, config: Config) -> list[str]:
    """Import the configured datasets from the bundled sets when they are not in the workspace yet."""
    from alphaforge.data.bundled import list_bundled

    bundled = {s.name for s in list_bundled()}
    present = set(raw_store(workspace).names())
    imported = []
    for name in (config.data.dataset, config.data.macro):
        if name and name not in present and name in bundled:
            import_bundled(workspace, name)
            imported.append(name)
    return imported


def _features_stage(ctx: StageContext) -> StageResult:
    from alphaforge.inputs import ModelInputs

    inputs = ModelInputs.load(ctx.workspace, ctx.config)
    # computes and stores the features the cache lacks; the cached ones are read (their bytes
    # checked, a damaged file repaired) by the stages that use them, not twice
    stream = inputs.feature_stream(inputs.model_features())
    bars = inputs.bars
    return StageResult([], {"rows": len(stream.rows), "features": len(stream.columns),
                            "symbols": int(bars["symbol"].nunique()), "start": str(bars["timestamp"].min()),
                            "end": str(bars["timestamp"].max()), "computed": len(stream.computed),
                            "notices": inputs.notices})


def _planned_job(ctx: StageContext) -> dict[str, Any] | None:
    """The training plan's first job (its top-ranked target) when the run planned one."""
    if "training_plan" not in ctx.upstream:
        return None
    from alphaforge.selection import find_training_plan

    plan = find_training_plan(ctx.workspace)
    if not plan or not plan["jobs"]:
        raise AlphaForgeError("the training plan has no job: no candidate target beat its shuffled-label baseline",
                              where="plans/target_ranking/target_ranking.md",
                              fix="nothing here is worth training; add data or candidate targets, or lower "
                                  "[selection] min_z (at the risk of training on noise)")
    return plan["jobs"][0]


def _tuned(ctx: StageContext) -> tuple[TunedConfig | None, list[str]]:
    """The tuned configuration the model stages use: this run's analysis when it tuned, else the
    workspace's best_config.json when it is for the configured target."""
    from alphaforge.pipeline.best_config import (
        BEST_CONFIG_PATH,
        TunedConfig,
        find_tuned,
        read_best_config,
    )

    if "analyze" in ctx.upstream:
        path = ctx.workspace.root / BEST_CONFIG_PATH
        tuned = TunedConfig(path, read_best_config(path), "")
        return tuned, [tuned.describe()]
    return find_tuned(ctx.workspace, ctx.config)


def _excluded(ctx: StageContext) -> list[str]:
    """Feature columns the truncation test flagged (left out of every model)."""
    from alphaforge.selection.auto import LEAKAGE_STAGE

    return list(ctx.upstream.get(LEAKAGE_STAGE, {}).get("excluded", []))


def _walk_forward_stage(ctx: StageContext, executor: Executor | None = None) -> StageResult:
    from alphaforge.pipeline.walkforward import run_walk_forward, walk_forward_dir

    config = ctx.config
    job = _planned_job(ctx)
    tuned, notices = (None, []) if job else _tuned(ctx)
    chosen = ({"target": job["target"], "family": job["model_families"][0], "features": job["features"],
               "symbols": job["symbols"]} if job else {k: v for k, v in (tuned.settings if tuned else {}).items()
                                                         if k in ("target", "family", "features", "symbols", "params")})
    result = run_walk_forward(ctx.workspace, config, exclude=_excluded(ctx), progress=ctx.progress,
                              shared=ctx.shared, executor=executor, **chosen)
    rel = Path(ctx.workspace.relative(walk_forward_dir(ctx.workspace, result["target"], result["family"])))
    return StageResult([str(rel / "predictions.parquet"), str(rel / "folds.json"), *result["plots"]],
                       {**{k: result[k] for k in ("target", "family", "task", "rows", "features", "panel", "folds",
                                                  "summary", "evaluation", "plots")},
                        "notices": [*notices, *result["notices"]]})


def _train_plan_stage(ctx: StageContext, track: bool, executor: Executor | None) -> StageResult:
    from alphaforge.executors import make_executor
    from alphaforge.pipeline.plan_training import REPORT_FILE, run_plan
    from alphaforge.selection import find_training_plan, staged_jobs

    _planned_job(ctx)  # refuses an empty plan with the reason
    jobs = staged_jobs(find_training_plan(ctx.workspace))
    with make_executor("local", 1, None) if executor is None else nullcontext(executor) as pool:
        report = run_plan(ctx.workspace, jobs, pool, track=track, progress=ctx.progress)
    done = [t for t in report["tasks"] if t["ok"]]
    if not done:
        raise AlphaForgeError("every job of the training plan failed", where=f"reports/{REPORT_FILE}",
                              fix="read the tracebacks in the report")
    outputs = [f"reports/{REPORT_FILE}"] + [ctx.workspace.relative(p) for t in done
                                           for p in sorted(Path(t["path"]).rglob("*")) if p.is_file()]
    first = done[0]
    return StageResult(outputs, {"name": first["model"], "version": first["version"], "path": first["path"],
                                 "family": first["family"], "target": first["target"], "rows": first["rows"],
                                 "metrics": first["metrics"], "best_iteration": None,
                                 "jobs": [{k: t.get(k) for k in ("job_id", "family", "target", "ok", "version")}
                                          for t in report["tasks"]]})


def _train_stage(ctx: StageContext, tracker: Any, executor: Executor | None = None) -> StageResult:
    from alphaforge.pipeline.train import train

    if "training_plan" in ctx.upstream:
        from alphaforge.tracking import MlflowTracker

        return _train_plan_stage(ctx, isinstance(tracker, MlflowTracker), executor)
    registered = None if ctx.force else _registered_by(ctx)  # --force-refresh/--from: train again
    if registered is not None:  # a kill after registering, before the manifest: do not register twice
        result = registered
    else:
        tuned, _ = _tuned(ctx)
        result = train(ctx.workspace, best_config=tuned.path if tuned else None, exclude=_excluded(ctx),
                       tracker=tracker, arguments={"command": "run"}, config=ctx.config, progress=ctx.progress,
                       provenance={"stage_key": ctx.key}, shared=ctx.shared)
    version = Path(result["path"])
    outputs = [ctx.workspace.relative(p) for p in sorted(version.rglob("*")) if p.is_file()]
    return StageResult(outputs, {k: result[k] for k in ("name", "version", "path", "family", "target", "task",
                                                         "rows", "features", "best_iteration", "metrics", "verdicts",
                                                         "notices", "acceptance", "accepted")})


def _registered_by(ctx: StageContext) -> dict[str, Any] | None:
    """The train summary of a version this very stage run (same key) registered already, if any."""
    from alphaforge.artifacts import ModelCard
    from alphaforge.models.registry import ModelRegistry

    for version in reversed(ModelRegistry(ctx.workspace.subdir("models")).all_versions()):
        try:
            card = version.card()
        except AlphaForgeError:  # a damaged folder is not this stage's
            continue
        if isinstance(card, ModelCard) and card.provenance.get("stage_key") == ctx.key:
            results = version.results()
            return {"name": version.name, "version": version.version, "path": str(version.path),
                    "family": card.family, "target": card.target.name, "task": card.task, "rows": results.rows,
                    "features": len(card.features), "best_iteration": card.best_iteration, "metrics": results.metrics,
                    "verdicts": results.verdicts, "acceptance": [], "accepted": True,
                    "notices": [f"{version.name} {version.version} was registered by this stage before it was "
                                "interrupted: reused"]}
    return None


def _predict_stage(ctx: StageContext) -> StageResult:
    from alphaforge.pipeline.predict import predict

    result = predict(ctx.workspace, name="latest", config=ctx.config, progress=ctx.progress)
    return StageResult([ctx.workspace.relative(p) for p in result["files"]],
                       {"latest": result["latest"], "model": result["model"], "rows": result["rows"]})


def _backtest_stage(ctx: StageContext, tracker: Any) -> StageResult:
    from alphaforge.pipeline.backtest import backtest

    walk = ctx.upstream["walk_forward"]
    result = backtest(ctx.workspace, target=walk["target"], family=walk["family"], tracker=tracker, config=ctx.config,
                      progress=ctx.progress)
    folder = Path(result["directory"])
    return StageResult([str(folder / "metrics.json"), str(folder / "equity.png")],
                       {k: result.get(k) for k in ("name", "metrics", "benchmark_metrics", "directory", "trades",
                                                   "strategy", "target", "family", "verdicts", "notices")})


def _report_stage(ctx: StageContext) -> StageResult:
    from alphaforge.report.run_report import write_run_report

    path = write_run_report(ctx.workspace, ctx.upstream, ctx.config)
    return StageResult([ctx.workspace.relative(path)], {"path": str(path)})


def feature_set_key(config: Config) -> dict[str, str]:
    """Each configured feature's fingerprint (definition, parameters, its function's and module's
    source): registering or editing a feature, user features included, changes the stages that
    read features."""
    from alphaforge.features import REGISTRY, configured_spec, resolve_features
    from alphaforge.features.cache import feature_fingerprint

    return {f.name: feature_fingerprint(f) for f in resolve_features(configured_spec(config), REGISTRY)}


def _store_key(workspace: Workspace) -> str | None:
    """The store's training-table fingerprint, when there is a store (DuckDB loads only then)."""
    if not workspace.store_path.exists():
        return None
    from alphaforge.store.matrix import training_table_key

    return training_table_key(workspace)


@functools.cache
def computing_libraries() -> dict[str, str]:
    """Versions of the libraries whose results a stage keeps (numpy, pandas, LightGBM, ...)."""
    from alphaforge.tracking.environment import package_versions

    return package_versions()


def pipeline_stages(workspace: Workspace, config: Config, tracker: Any, *, auto_targets: bool = False,
                    top_n_targets: int | None = None, executor: Executor | None = None) -> list[Stage]:
    """The stages of `alphaforge run` for this configuration; ``executor`` runs the walk-forward's
    folds and the training plan's jobs (it changes where they run, never their results, so it is
    no part of any stage's key)."""
    data_key = source_key(workspace, config)

    @functools.cache
    def configured_feature_set() -> dict[str, str]:
        """:func:`feature_set_key` of the run's configuration, computed once: three stages key on it
        (every feature's source parsed each time: a third of a cached run's own work)."""
        return feature_set_key(config)

    tuned_file = workspace.root / BEST_CONFIG_PATH

    def params(*sections: str, tuned: bool = False, features: bool = False, libraries: bool = False,
               store: bool = False) -> Callable[[Config], dict[str, Any]]:
        """A stage's inputs besides its code: the data, its config sections and, as asked, the
        tuned configuration's file, the resolved feature set (definitions and code, user
        features included), the versions of the libraries that compute the result and the
        store's training table (what a holdout changes)."""
        def key(cfg: Config) -> dict[str, Any]:
            extra: dict[str, Any] = {}
            if tuned:
                extra["tuned"] = file_sha256(tuned_file) if tuned_file.is_file() else None
            if features:
                extra["feature_set"] = configured_feature_set() if cfg is config else feature_set_key(cfg)
            if libraries:
                extra["libraries"] = computing_libraries()
            if store:
                extra["store"] = _store_key(workspace)
            return {"input": data_key, "seed": cfg.seed, **extra,
                    **{s: getattr(cfg, s).model_dump(mode="json") for s in sections}}
        return key

    stages = [Stage("features", _features_stage, params("features", features=True), (_features_stage,),
                    description="shared features, cached per feature (data/features/)")]
    model_inputs: tuple[str, ...] = ("features",)
    if auto_targets:
        from alphaforge.selection.auto import SelectionInputs, selection_stages

        inputs = SelectionInputs(workspace, config, config.selection.targets, None)
        stages += [Stage(s.name, s.run, s.params, s.code, s.requires or ("features",), s.description)
                   for s in selection_stages(inputs, top_n_targets or config.selection.top_n_targets)]
        model_inputs = ("training_plan",)
    else:  # the truncation test gates plain runs too (the plan's selection runs it otherwise)
        from alphaforge.selection.auto import SelectionInputs, leakage_stage

        inputs = SelectionInputs(workspace, config, [], None)
        check = leakage_stage(inputs)

        def run_check(ctx: StageContext) -> StageResult:
            try:
                return check.run(ctx)
            finally:  # no later stage reads through them: the bars need not outlive the check (270 MB at 1 M rows)
                inputs.release()

        stages.append(Stage(check.name, run_check, check.params, check.code, ("features",), check.description))
        model_inputs = ("features", check.name)
    if config.tuning.enabled:
        from alphaforge.tuning.stages import tuning_stages

        stages += tuning_stages(requires=model_inputs)
        model_inputs = ("analyze",)
    stages += [
        Stage("walk_forward", lambda ctx: _walk_forward_stage(ctx, executor), params("features", "models", "validation", tuned=True, features=True,
                                                          libraries=True, store=True),
              (_walk_forward_stage,), model_inputs,
              "walk-forward refits, the out-of-sample tear sheet and verdicts (cv/walk_forward/)"),
        Stage("train", lambda ctx: _train_stage(ctx, tracker, executor), params("features", "models", "validation", tuned=True,
                                                                       features=True, libraries=True, store=True),
              (_train_stage,), model_inputs,
              "best + final model in the registry (models/)"),
        Stage("predict", _predict_stage, params("predict", "backtest", libraries=True), (_predict_stage,), ("train",),
              "latest bars scored (predictions/latest.*)"),
        Stage("backtest", lambda ctx: _backtest_stage(ctx, tracker), params("backtest", "predict"), (_backtest_stage,),
              ("walk_forward",),
              "out-of-sample backtest vs the benchmark (backtests/)"),
        Stage("report", _report_stage, params(), (_report_stage,),
              ("features", "walk_forward", "train", "predict", "backtest"),
              "self-contained HTML report (reports/report.html)"),
    ]
    return stages


def run_pipeline(workspace: Workspace, tracker: Any, *, only: list[str] | None = None,
                 start_from: str | None = None, force: bool = False, auto_targets: bool = False,
                 top_n_targets: int | None = None, skip_training: bool = False,
                 on_stage: Callable[[Stage, str], None] | None = None,
                 config: Config | None = None, progress: Progress | None = None,
                 executor: Executor | None = None) -> dict[str, Any]:
    """Run the pipeline; returns per-stage outcomes and summaries. ``executor`` (the caller opens
    and closes it) runs the walk-forward folds and the plan's jobs; serial in this process without.

    ``config`` is the workspace's parsed configuration when the caller holds it: a run parses
    ``alphaforge.toml`` once, and every stage's key and work come from that one object.
    """
    config = config or workspace.config()
    imported = ensure_data(workspace, config)
    stages = pipeline_stages(workspace, config, tracker, auto_targets=auto_targets, top_n_targets=top_n_targets,
                             executor=executor)
    if skip_training:
        stages = stages[: next(i for i, s in enumerate(stages) if s.name == "walk_forward")]
    with workspace.lock("alphaforge run"):
        workspace.remove_stale_temporaries()
        outcomes = run_stages(workspace, config, stages, only=only or (), start_from=start_from, force=force,
                              on_stage=on_stage, progress=progress)
    return {"imported": imported, "stages": [_row(o) for o in outcomes], "summaries": {o.name: o.summary
                                                                                      for o in outcomes}}


def _row(outcome: StageOutcome) -> dict[str, Any]:
    return {"stage": outcome.name, "status": outcome.status, "seconds": round(outcome.seconds, 2)}


__all__ = ["ensure_data", "pipeline_stages", "run_pipeline"]
