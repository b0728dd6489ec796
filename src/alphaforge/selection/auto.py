"""``auto_plan``: leakage check → target ranking → feature selection → routing → training plan, each step cached.

Each step is a pipeline stage (:mod:`alphaforge.stages`) keyed by the selection
code, its settings, the inputs' fingerprint (:class:`~alphaforge.selection.inputs.SelectionInputs`)
and the upstream steps' keys, so running it again on unchanged inputs is all cache hits and
changing, say, ``top_k_features`` reruns selection, routing and the plan but not the ranking.

The leakage check comes first: a feature that reads the future would make some target look
predictable (a next-bar leak ranks ``fwd_ret_5`` first with an IC near 1), so the features
failing the truncation test are left out of the ranking and of everything after it.
:func:`leak_flags` runs the same cached check for any feature list, to gate plain training.

Outputs (under ``plans/``)::

    leakage/leakage_flags.{json,md}   (schema in :func:`~alphaforge.selection.leakage.leak_flags_document`)
    target_ranking/target_ranking.{parquet,md}
    feature_selection/<target>/{selection.json,feature_importance.parquet,report.md}
    routing_plan/routing_plan.{json,yaml,md}, routing_plan/routing_candidates.parquet
    training_plan/master_training_plan.json (+ mirrors and views, see plan.py)

The caller holds the workspace lock (the CLI does), so that a runner that already holds it
can call this too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alphaforge.artifacts import RoutingPlanFile
from alphaforge.config import Config
from alphaforge.errors import InputError
from alphaforge.features import FeatureRegistry, features_for_columns
from alphaforge.selection.inputs import SelectionInputs
from alphaforge.selection.plan import (
    build_training_plan,
    plan_directory,
    write_training_plan,
)
from alphaforge.stages import Stage, StageContext, StageResult, run_stages
from alphaforge.workspace import Workspace, atomic_write_json

# The ranking, selection, routing and leakage modules (LightGBM, SciPy) are imported where a stage
# runs: building the stages of a fully cached `alphaforge run` loads none of them (1 s).
if TYPE_CHECKING:
    from alphaforge.selection.leakage import LeakageFlag

CODE = ("alphaforge.selection",)
LEAKAGE_CODE = (*CODE, "alphaforge.features.leakage")
RANKING_KEYS = ("targets", "n_splits", "embargo", "shuffles", "min_z", "max_rows")
SELECTION_KEYS = ("n_splits", "embargo", "max_rows", "top_k_features", "method", "min_importance",
                  "correlation_threshold", "max_single_feature_skill", "copy_correlation", "copy_max_shift")
ROUTING_KEYS = ("n_splits", "embargo", "max_rows", "min_rows_per_symbol", "routing_margin")
PLAN_KEYS = ("families", "gpu_families")


def plans_dir(workspace: Workspace) -> Path:
    """The workspace's ``plans/`` folder."""
    return workspace.subdir("plans")


def _score_stage(inputs: SelectionInputs, target: str, excluded: Sequence[str]) -> Stage:
    """One candidate's ranking score as a cached stage of its own (``target_score-<target>``):
    keyed without the number of targets kept, so keeping fewer (``--top-n-targets``) rescores
    nothing, and adding a candidate scores only that one."""
    settings, seed, workspace = inputs.config.selection, inputs.config.seed, inputs.workspace

    def run(ctx: StageContext) -> StageResult:
        from alphaforge.selection.dataset import target_data
        from alphaforge.selection.ranking import score_target

        data = target_data(inputs.features.drop(columns=list(excluded)), inputs.targets, target,
                           max_rows=settings.max_rows)
        score = asdict(score_target(data, settings, seed))
        path = plans_dir(workspace) / "target_ranking" / "scores" / f"{target}.json"
        atomic_write_json(path, score)
        return StageResult([workspace.relative(path)], {"score": score})

    keys = [k for k in RANKING_KEYS if k != "targets"]
    return Stage(f"target_score-{target}", run, lambda _config: {
        "inputs": inputs.key, "seed": seed, "target": target, "excluded": sorted(excluded),
        **{k: getattr(settings, k) for k in keys}}, CODE, description=f"ranking score of {target}")


def _selection_stage(inputs: SelectionInputs, target: str, truncation: Sequence[LeakageFlag]) -> Stage:
    """One target's feature selection as a cached stage of its own (``feature_selection-<target>``),
    the ``truncation`` flags excluded, written to ``plans/feature_selection/<target>/``."""
    settings, seed, workspace = inputs.config.selection, inputs.config.seed, inputs.workspace

    def run(ctx: StageContext) -> StageResult:
        from alphaforge.selection.selection import select_features, write_selection

        result = select_features(inputs.features, inputs.targets, target, settings, truncation=truncation, seed=seed)
        paths = write_selection(result, plans_dir(workspace) / "feature_selection" / target)
        return StageResult([workspace.relative(p) for p in paths],
                           {"features": result.selected, "flagged": [f.to_dict() for f in result.flags],
                            "result": result.to_dict()})

    return Stage(f"feature_selection-{target}", run, lambda _config: {
        "inputs": inputs.key, "seed": seed, "target": target, "truncation": sorted(f.feature for f in truncation),
        **{k: getattr(settings, k) for k in SELECTION_KEYS}}, CODE, description=f"feature selection for {target}")


LEAKAGE_STAGE = "leakage_check"


def leakage_directory(workspace: Workspace) -> Path:
    """Where the truncation test's verdict lives: ``plans/leakage/``."""
    return plans_dir(workspace) / "leakage"


def _produced(column: str, registry: FeatureRegistry) -> bool:
    """Whether a registered feature produces ``column``."""
    try:
        return bool(features_for_columns([column], registry))
    except InputError:
        return False


def leakage_stage(inputs: SelectionInputs, columns: Sequence[str] | None = None) -> Stage:
    """The cached truncation test of ``columns`` (default: every column of the configured feature table).

    Keyed by the data, the definitions of the features checked, the columns, the seed and the
    selection code; writes ``plans/leakage/leakage_flags.{json,md}``. Its summary holds
    ``checked`` (how many columns), ``flagged`` (:class:`LeakageFlag` dicts), ``excluded``
    (the failing columns) and ``path`` (the JSON file, relative to the workspace).
    """
    settings, seed = inputs.config.selection, inputs.config.seed
    wanted = None if columns is None else list(dict.fromkeys(columns))
    if wanted is not None:
        unknown = [c for c in wanted if not _produced(c, inputs.registry)]
        if unknown:
            raise InputError(f"feature column(s) {unknown[:5]} are not produced by any registered feature",
                             where="leakage check", fix="see `alphaforge features list` for the feature names")

    def params(_config: Any) -> dict[str, Any]:
        checked = None if wanted is None else features_for_columns(wanted, inputs.registry)
        return {"inputs": inputs.features_key(checked), "columns": wanted, "seed": seed,
                "truncation_check": settings.truncation_check}

    def run(ctx: StageContext) -> StageResult:
        from alphaforge.selection.leakage import (
            leak_flags_document,
            truncation_flags,
            write_leak_flags,
        )

        checked = inputs.feature_columns if wanted is None else wanted
        flags = (truncation_flags(inputs.bars, inputs.macro, checked, registry=inputs.registry, seed=seed,
                                  progress=ctx.progress)
                 if settings.truncation_check else [])
        document = leak_flags_document(flags, checked, enabled=settings.truncation_check)
        paths = write_leak_flags(document, leakage_directory(inputs.workspace))
        return StageResult([inputs.workspace.relative(p) for p in paths],
                           {"checked": len(checked), "flagged": document["flagged"],
                            "excluded": document["excluded"], "path": inputs.workspace.relative(paths[0])})

    return Stage(LEAKAGE_STAGE, run, params, LEAKAGE_CODE,
                 description="truncation test of the features; failures are left out of ranking and training")


def leak_flags(workspace: Workspace, config: Config | None = None, features: Sequence[str] | None = None, *,
               registry: FeatureRegistry | None = None, force: bool = False) -> list[LeakageFlag]:
    """The truncation-test failures among ``features`` (columns; default: the configured feature table).

    A cached stage (:func:`leakage_stage`): on unchanged data, feature definitions and columns
    it only reads ``stages/leakage_check.json``. Call it before training on a feature list and
    drop the flagged columns. The caller holds the workspace lock.

    >>> flags = leak_flags(workspace, config, ["px_ret_1", "px_peek_1"])  # doctest: +SKIP
    >>> [f.feature for f in flags]  # doctest: +SKIP
    ['px_peek_1']
    """
    config = config or workspace.config()
    from alphaforge.selection.leakage import LeakageFlag

    stage = leakage_stage(SelectionInputs(workspace, config, [], registry), features)
    [outcome] = run_stages(workspace, config, [stage], force=force)
    return [LeakageFlag(**flag) for flag in outcome.summary["flagged"]]


def _upstream_flags(ctx: StageContext) -> list[LeakageFlag]:
    from alphaforge.selection.leakage import LeakageFlag

    return [LeakageFlag(**flag) for flag in ctx.upstream[LEAKAGE_STAGE]["flagged"]]


def selection_stages(inputs: SelectionInputs, top_n_targets: int) -> list[Stage]:
    """The four cached stages over ``inputs`` (the pipeline runner may embed them)."""
    workspace, config = inputs.workspace, inputs.config
    settings, seed = config.selection, config.seed
    plans = plans_dir(workspace)

    def params(keys: tuple[str, ...], **extra: Any) -> Any:
        return lambda _config: {"inputs": inputs.key, "seed": seed, **extra,
                                **{k: getattr(settings, k) for k in keys}}

    def ranking(ctx: StageContext) -> StageResult:
        from alphaforge.selection.ranking import (
            TargetScore,
            ranking_table,
            selected_targets,
            write_ranking,
        )

        excluded = ctx.upstream[LEAKAGE_STAGE]["excluded"]
        outcomes = run_stages(workspace, config, [_score_stage(inputs, target, excluded)
                                                  for target in inputs.target_names], force=ctx.force)
        table = ranking_table([TargetScore(**o.summary["score"]) for o in outcomes], top_n_targets)
        paths = write_ranking(table, plans / "target_ranking")
        rows = table.drop(columns=["fold_skills"]).to_dict("records")
        return StageResult([workspace.relative(p) for p in paths], {"selected": selected_targets(table), "ranking": rows})

    def selection(ctx: StageContext) -> StageResult:
        chosen = ctx.upstream["target_ranking"]["selected"]
        flags = _upstream_flags(ctx)
        outcomes = run_stages(workspace, config, [_selection_stage(inputs, target, flags) for target in chosen],
                              force=ctx.force)
        return StageResult(sorted({rel for o in outcomes for rel in o.outputs}),
                           {"features": {t: o.summary["features"] for t, o in zip(chosen, outcomes, strict=True)},
                            "flagged": {t: o.summary["flagged"] for t, o in zip(chosen, outcomes, strict=True)}})

    def routing(ctx: StageContext) -> StageResult:
        from alphaforge.selection.routing import route_targets, write_routing_plan

        plan = route_targets(inputs.features, inputs.targets, ctx.upstream["feature_selection"]["features"],
                             settings, seed=seed)
        paths = write_routing_plan(plan, plans / "routing_plan")
        return StageResult([workspace.relative(p) for p in paths],
                           {"routes": {t: r["route"] for t, r in plan.to_dict()["targets"].items()}})

    def training_plan(ctx: StageContext) -> StageResult:
        routes = RoutingPlanFile.load(plans / "routing_plan" / "routing_plan.json").document()["targets"]
        plan = build_training_plan(routes, ctx.upstream["feature_selection"]["features"], settings.families,
                                   settings.gpu_families, created_from={"inputs": inputs.key})
        paths = write_training_plan(plan, plan_directory(workspace))
        return StageResult([workspace.relative(p) for p in paths], {"summary": plan["summary"],
                                                         "path": str(plan_directory(workspace))})

    return [
        leakage_stage(inputs),
        Stage("target_ranking", ranking, params(RANKING_KEYS, top_n=top_n_targets), CODE, (LEAKAGE_STAGE,),
              description="rank candidate targets against a shuffled-label baseline"),
        Stage("feature_selection", selection, params(SELECTION_KEYS), CODE, ("target_ranking", LEAKAGE_STAGE),
              description="per-target feature selection with leakage flags"),
        Stage("routing_plan", routing, params(ROUTING_KEYS), CODE, ("feature_selection",),
              description="cross-sectional vs symbol-specific routing"),
        Stage("training_plan", training_plan, params(PLAN_KEYS), CODE, ("routing_plan", "feature_selection"),
              description="training jobs by target, type and device stage"),
    ]


STAGE_NAMES = (LEAKAGE_STAGE, "target_ranking", "feature_selection", "routing_plan", "training_plan")


def run_selection_stages(workspace: Workspace, config: Config | None = None, top_n_targets: int | None = None, *,
                         until: str = "training_plan", candidates: list[str] | None = None, force: bool = False,
                         registry: FeatureRegistry | None = None) -> dict[str, Any]:
    """Run the stages up to and including ``until``; returns each stage's status and summary.

    ``candidates`` replaces the config's candidate targets; ``top_n_targets`` its top N.
    """
    config = config or workspace.config()
    top_n = config.selection.top_n_targets if top_n_targets is None else top_n_targets
    inputs = SelectionInputs(workspace, config, candidates or config.selection.targets, registry)
    stages = selection_stages(inputs, top_n)[: STAGE_NAMES.index(until) + 1]
    outcomes = run_stages(workspace, config, stages, force=force)
    return {"stages": [{"stage": o.name, "status": o.status, "seconds": round(o.seconds, 2)} for o in outcomes],
            **{o.name: o.summary for o in outcomes}}


def auto_plan(workspace: Workspace, config: Config | None = None, top_n_targets: int | None = None, *,
              force: bool = False, registry: FeatureRegistry | None = None) -> dict[str, Any]:
    """Rank targets, select features, route and write the training plan; returns a summary.

    ``top_n_targets`` defaults to ``config.selection.top_n_targets``; ``force`` recomputes every
    step. The caller holds the workspace lock.
    """
    result = run_selection_stages(workspace, config, top_n_targets, force=force, registry=registry)
    return {"stages": result["stages"],
            "leakage": result[LEAKAGE_STAGE],
            "ranking": result["target_ranking"]["ranking"],
            "selected_targets": result["target_ranking"]["selected"],
            "features": result["feature_selection"]["features"],
            "flagged": {t: sorted({f["feature"] for f in flags})
                        for t, flags in result["feature_selection"]["flagged"].items()},
            "routes": result["routing_plan"]["routes"],
            "plan": result["training_plan"]}


def select_for_target(workspace: Workspace, config: Config | None, target: str, *,
                      registry: FeatureRegistry | None = None) -> dict[str, Any]:
    """Feature selection for one named target (not cached: asked for explicitly); writes its report."""
    config = config or workspace.config()
    inputs = SelectionInputs(workspace, config, [target], registry)
    truncation = leak_flags(workspace, config, registry=registry)
    [outcome] = run_stages(workspace, config, [_selection_stage(inputs, inputs.target_names[0], truncation)],
                           force=True)
    return {**outcome.summary["result"], "outputs": list(outcome.outputs)}
