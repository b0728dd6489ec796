"""The tuning chain as pipeline stages (tune → cv → analyze) for `alphaforge run`.

The runner includes them when ``[tuning] enabled = true``. Each stage is keyed by the
``[tuning]`` section, the seed, the data and feature configuration and the tuning code, so a
changed setting reruns the chain from the stage it affects; ``requires`` names the upstream
stages (e.g. the features/targets stages) whose keys feed the tune stage's key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna

from alphaforge.config import Config
from alphaforge.stages import Stage, StageContext, StageResult
from alphaforge.tracking import Tracker
from alphaforge.tuning.analysis import BEST_CONFIG, rank_configs
from alphaforge.tuning.extended import results_path
from alphaforge.tuning.workflow import run_analyze, run_extended_cv, run_tune

CODE = ("alphaforge.tuning", "alphaforge.models")


def _config(context: StageContext) -> Config:
    return context.config or context.workspace.config()


def _params(config: Config) -> dict[str, Any]:
    return {"tuning": config.tuning.model_dump(), "seed": config.seed, "data": config.data.model_dump(),
            "features": config.features.model_dump()}


def _tune(context: StageContext, tracker: Tracker | None) -> StageResult:
    config = _config(context)
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the runner reports progress per stage
    result = run_tune(context.workspace, config, tracker=tracker)
    directory = Path(result["directory"])  # tuning/<study>/, where tune wrote its outputs
    outputs = [context.workspace.relative(directory / name) for name in
               ("trial_results.json", "optimization_history.json", "optimization_history.png")]
    return StageResult(outputs, {"study": result["study"], "phases": result["phases"], "best": result["best"]})


def _cv(context: StageContext, tracker: Tracker | None) -> StageResult:
    result = run_extended_cv(context.workspace, _config(context), tracker=tracker)
    best = rank_configs(result["configs"], result["direction"])[0]
    return StageResult([context.workspace.relative(results_path(context.workspace))],
                       {"configs": len(result["configs"]), "best_trial": best["trial"], "best_mean": best["mean"]})


def _analyze(context: StageContext, tracker: Tracker | None) -> StageResult:
    best = run_analyze(context.workspace, _config(context), tracker=tracker)
    outputs = [context.workspace.relative(context.workspace.subdir("analysis") / BEST_CONFIG), *best["plots"]]
    return StageResult(outputs, {"trial": best["provenance"]["trial"], "cv_mean": best["provenance"]["cv_mean"],
                                 "params": best["params"], "deflated_sharpe": best["deflated_sharpe"]})


def tuning_stages(requires: tuple[str, ...] = (), tracker: Tracker | None = None) -> list[Stage]:
    """The stages tune → cv → analyze; ``tune`` depends on the stages named in ``requires``.

    With a ``tracker`` each stage run is also an experiment-tracking run.
    """
    return [
        Stage("tune", lambda ctx: _tune(ctx, tracker), _params, CODE, requires,
              "three-phase Optuna study (tuning/<study>/)"),
        Stage("cv", lambda ctx: _cv(ctx, tracker), _params, CODE, ("tune",),
              "extended CV of the top configurations (cv/)"),
        Stage("analyze", lambda ctx: _analyze(ctx, tracker), _params, CODE, ("cv",),
              "best configuration (analysis/best_config.json)"),
    ]
