"""`alphaforge train`: the best model (early stopping) and the final model (all data), registered.

The training library is imported inside the command; the ``--family`` choices come from
:mod:`alphaforge.choices`, so `--help` loads neither numpy nor pandas."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphaforge.errors import InputError

from alphaforge.choices import FAMILY_NAMES
from alphaforge.cli._common import (
    ExperimentNameOption,
    ExperimentTagsOption,
    JsonOption,
    TrackOption,
    emit,
    open_project,
    open_workspace,
    print_fields,
    print_table,
    print_verdicts,
    reporting,
    split_list,
)


def train(
    ctx: typer.Context,
    target: Annotated[str | None, typer.Option("--target", "-t", help="Target name, e.g. fwd_ret_5 (default: "
                                                                       "[models] target).")] = None,
    family: Annotated[str | None, typer.Option(help=f"Model family: {', '.join(FAMILY_NAMES)} (default: [models] "
                                                    "family).")] = None,
    best_config: Annotated[Path | None, typer.Option("--config", help="best_config.json from `alphaforge analyze` "
                                                                      "(family, params, target, features).")] = None,
    symbols: Annotated[str | None, typer.Option(help="Comma-separated symbols (default: the config's; with a "
                                                     "training plan: only its jobs' models of these symbols).")]
    = None,
    name: Annotated[str | None, typer.Option(help="Registry name (default: TARGET-FAMILY).")] = None,
    rounds: Annotated[int | None, typer.Option("--rounds", "--epochs", min=1, help="Boosting rounds or epochs at "
                                                "most (early stopping may stop sooner); families without either "
                                                "refuse it.")] = None,
    plan_dir: Annotated[Path | None, typer.Option("--training-plan-dir", help="Folder of master_training_plan.json "
                                                                             "(default: plans/training_plan).")]
    = None,
    use_plan: Annotated[bool, typer.Option("--training-plan/--no-training-plan",
                                           help="With a training plan in the workspace (and no --target/--config), "
                                                "train only its jobs and families, CPU stage first.")] = True,
    experiment_name: ExperimentNameOption = None,
    experiment_tags: ExperimentTagsOption = None,
    track: TrackOption = True,
    as_json: JsonOption = False,
) -> None:
    """Train on a time-ordered split with early stopping, refit on all data, save both in models/.

    When `alphaforge plan` has written a training plan, `train` trains its jobs (CPU families, then
    GPU families; on CPU with a notice when no GPU is present) unless --target/--config or
    --no-training-plan say otherwise. With ``[acceptance] criteria`` (e.g. "r2 >= 0.7") it reports
    each as pass or fail on the validation split.
    """

    workspace = open_workspace(ctx)
    if use_plan and target is None and best_config is None:
        from alphaforge.selection import find_training_plan

        plan = find_training_plan(workspace, plan_dir)
        if plan is not None:
            from alphaforge.cli.distributed import train_loaded_plan

            train_loaded_plan(workspace, plan, families=family, track=track, as_json=as_json, symbols=symbols)
            return
    project, tracker = open_project(ctx, track, experiment_name, experiment_tags)
    arguments = {"target": target, "family": family, "config": str(best_config) if best_config else None,
                 "symbols": symbols, "name": name, "rounds": rounds, "experiment_name": experiment_name,
                 "experiment_tags": experiment_tags or [], "track": track}
    params = _iterations(family or project.config.models.family, rounds)
    with reporting() as report:
        result = project.train(target=target, family=family, best_config=best_config, symbols=split_list(symbols),
                               name=name, params=params, tracker=tracker, arguments=arguments, progress=report)

    def render(r: dict[str, Any]) -> None:
        print_fields(f"Trained {r['name']} {r['version']}", {
            "family": r["family"], "target": r["target"], "task": r["task"], "rows": r["rows"],
            "features": r["features"], "symbols": r["symbols"], "best iteration": r["best_iteration"],
            "validation from": r["split"]["validation_start"], "purged rows": r["split"]["purged_rows"],
            "path": r["path"], "MLflow run": r["run_id"] or "not tracked"})
        rows = [{"split": part, **values} for part, values in r["metrics"].items()]
        print_table("Metrics (train/validation: best model; final_in_sample: final model, in-sample)", rows)
        print_verdicts(r.get("verdicts", []), "Model")
        print_verdicts([{**row, "warning": not row["passed"]} for row in r["acceptance"]], "Acceptance")

    emit(result, as_json, render)


def _iterations(family: str, rounds: int | None) -> dict[str, int] | None:
    """``--rounds``/``--epochs`` as the family's own iteration parameter (seed 001 writes
    ``train --epochs 300``); a family that counts neither refuses it."""
    if rounds is None:
        return None
    from alphaforge.models import family_class

    parameter = family_class(family).iteration_param
    if parameter is None:
        raise InputError(f"family {family} trains no rounds or epochs", where="--rounds/--epochs",
                         fix="drop the option, or choose a boosting family or the lstm")
    return {parameter: rounds}
