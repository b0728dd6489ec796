"""`alphaforge tune`, `alphaforge cv`, `alphaforge analyze`: the tuning chain, one command per step.

Defaults come from the ``[tuning]`` section of alphaforge.toml; options override them for one
run. `tune` can run in several processes (or machines) at once when they share --storage.

Optuna and the tuning library are imported inside the commands: `--help` must not load them.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from alphaforge.cli._common import (
    ExperimentNameOption,
    ExperimentTagsOption,
    FamilyOption,
    JsonOption,
    StorageOption,
    TargetOption,
    TrackOption,
    emit,
    open_project,
    print_fields,
    print_table,
    stdout,
)


def tune(
    ctx: typer.Context,
    target: TargetOption = None,
    family: FamilyOption = None,
    trials: Annotated[int | None, typer.Option(
        "--trials", help="Total trials, split 25% random / 50% Bayesian / 25% fine-tuning "
                         "(default: the tuning.*_trials phase sizes).", min=1)] = None,
    random_trials: Annotated[int | None, typer.Option("--random-trials", min=0, help="Phase 1 size.")] = None,
    bayes_trials: Annotated[int | None, typer.Option("--bayes-trials", min=0, help="Phase 2 size.")] = None,
    fine_trials: Annotated[int | None, typer.Option("--fine-trials", min=0, help="Phase 3 size.")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", min=0, help="Stop after S seconds (0 = none).")] = None,
    pruner: Annotated[str | None, typer.Option("--pruner", help="median, hyperband or none.")] = None,
    metric: Annotated[str | None, typer.Option("--metric", help="auto, ic, mse, sharpe, accuracy, log_loss, auc.")]
    = None,
    n_jobs: Annotated[int | None, typer.Option("--n-jobs", min=1, help="Trials in parallel in this process.")] = None,
    storage: StorageOption = None,
    experiment_name: ExperimentNameOption = None,
    experiment_tags: ExperimentTagsOption = None,
    track: TrackOption = True,
    as_json: JsonOption = False,
) -> None:
    """Run or resume the three-phase study (random → TPE → narrowed TPE) of one target and family."""
    import optuna

    from alphaforge.tuning.phases import make_pruner

    if pruner is not None:
        make_pruner(pruner, 1)  # issue 20: an unknown --pruner is refused before the study.db is created
    project, tracker = open_project(ctx, track, experiment_name, experiment_tags)
    phases: dict[str, int | None] = {"random_trials": random_trials, "bayes_trials": bayes_trials,
                                     "fine_trials": fine_trials}
    if trials is not None:
        split = {"random_trials": trials // 4, "fine_trials": trials // 4}
        split["bayes_trials"] = trials - split["random_trials"] - split["fine_trials"]
        phases = {k: v if v is not None else split[k] for k, v in phases.items()}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    result = project.tune(target=target, family=family, timeout_s=timeout, pruner=pruner,
                      metric=metric, n_jobs=n_jobs, storage=storage, tracker=tracker, **phases)

    def render(r: dict[str, Any]) -> None:
        rows = [{"phase": name, **counts} for name, counts in r["phases"].items()]
        print_table(f"Study {r['study']} ({r['trials_run']} trials run now)", rows,
                    ["phase", "planned", "complete", "pruned", "fail", "running"])
        if r["best"]:
            print_fields(f"Best trial #{r['best']['number']} ({r['best']['phase']}): {r['best']['value']:.6g}",
                         r["best"]["params"])
        if r["stopped_by_timeout"]:
            stdout.print("Stopped by --timeout; run the same command again to continue.")
        stdout.print(f"Outputs: {r['directory']}\nDashboard: optuna-dashboard {r['storage']}\n"
                     "Next: alphaforge cv")

    emit(result, as_json, render)


def cv(
    ctx: typer.Context,
    target: TargetOption = None,
    family: FamilyOption = None,
    top_n: Annotated[int | None, typer.Option("--top-n", min=1, help="Configurations re-trained.")] = None,
    iterations: Annotated[int | None, typer.Option(
        "--rounds", "--epochs", min=0, help="Boosting rounds / epochs for families that have them (0 = trial's).")]
    = None,
    scheme: Annotated[str | None, typer.Option("--scheme", help="walk-forward or cpcv.")] = None,
    n_splits: Annotated[int | None, typer.Option("--folds", min=2, help="Folds (cpcv: groups).")] = None,
    storage: StorageOption = None,
    experiment_name: ExperimentNameOption = None,
    experiment_tags: ExperimentTagsOption = None,
    track: TrackOption = True,
    as_json: JsonOption = False,
) -> None:
    """Re-train the top tuned configurations with more folds: cv/extended_training_results.json."""

    project, tracker = open_project(ctx, track, experiment_name, experiment_tags)
    result = project.cv(target=target, family=family, storage=storage, top_n=top_n,
                             scheme=scheme, n_splits=n_splits, iterations=iterations, tracker=tracker)

    def render(r: dict[str, Any]) -> None:
        rows = [{k: c[k] for k in ("trial", "phase", "tuning_value", "mean", "std", "training_seconds")}
                for c in r["configs"]]
        print_table(f"Extended CV of {r['study']} ({r['scheme']}, {r['n_folds']} folds, {r['metric']})", rows)
        stdout.print("Next: alphaforge analyze")

    emit(result, as_json, render)


def analyze(
    ctx: typer.Context,
    target: TargetOption = None,
    family: FamilyOption = None,
    storage: StorageOption = None,
    experiment_name: ExperimentNameOption = None,
    experiment_tags: ExperimentTagsOption = None,
    track: TrackOption = True,
    as_json: JsonOption = False,
) -> None:
    """Pick the best configuration (best CV mean, then smaller std): analysis/best_config.json."""

    project, tracker = open_project(ctx, track, experiment_name, experiment_tags)
    result = project.analyze(target=target, family=family, storage=storage, tracker=tracker)

    def render(r: dict[str, Any]) -> None:
        print_table(f"Tuning vs extended CV ({r['metric']}, {r['direction']})", r["comparison"])
        print_fields(f"Best configuration: trial #{r['provenance']['trial']}", r["params"])
        if r["deflated_sharpe"]:
            print_fields("Deflated Sharpe ratio over all trials", r["deflated_sharpe"])
        stdout.print("Next: alphaforge train --config analysis/best_config.json")

    emit(result, as_json, render)
