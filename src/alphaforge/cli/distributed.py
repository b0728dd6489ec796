"""`alphaforge train-plan` and `alphaforge tune-workers`: the training plan and a tuning study on an executor.

``--executor local`` (default) uses this machine's processes; ``--executor ray`` a Ray runtime
(``--ray-address`` for a cluster, else a local one). `tune-workers` starts several `tune`
workers on one study; on a cluster give them a shared ``--storage postgresql://...``.

The training and tuning libraries are imported inside the commands (Optuna only inside
`tune-workers`): `--help` loads neither numpy nor pandas, `train-plan` (and `train` with a
training plan) not Optuna.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from alphaforge.cli._common import (
    ExecutorOption,
    FamilyOption,
    JsonOption,
    RayAddressOption,
    StorageOption,
    TargetOption,
    TrackOption,
    WorkersOption,
    emit,
    notice,
    open_workspace,
    print_table,
    reporting,
    split_list,
    stdout,
)
from alphaforge.errors import MissingInputError
from alphaforge.executors import make_executor

if TYPE_CHECKING:
    from alphaforge.workspace import Workspace


def train_plan(
    ctx: typer.Context,
    plan_dir: Annotated[Path | None, typer.Option(
        "--training-plan-dir", help="Folder of master_training_plan.json (default: plans/training_plan).")] = None,
    families: Annotated[str | None, typer.Option(help="Only these families (comma-separated).")] = None,
    executor: ExecutorOption = "local",
    workers: WorkersOption = None,
    ray_address: RayAddressOption = None,
    track: TrackOption = False,
    as_json: JsonOption = False,
) -> None:
    """Train every job of the training plan, CPU stage first, as parallel tasks; a failing job does not stop the rest."""
    from alphaforge.pipeline.plan_training import run_plan
    from alphaforge.selection import find_training_plan, staged_jobs

    workspace = open_workspace(ctx)
    with make_executor(executor, workers, ray_address) as pool:  # a bad --executor fails before any work
        plan = find_training_plan(workspace, plan_dir)
        if plan is None:
            raise MissingInputError("no training plan yet", where="plans/training_plan",
                                    fix="run `alphaforge plan` first")
        with reporting() as report_progress:
            report = run_plan(workspace, staged_jobs(plan, split_list(families)), pool, track=track,
                              progress=report_progress)
    _emit_plan_report(report, as_json)


def train_loaded_plan(workspace: Workspace, plan: dict[str, Any], families: str | None, track: bool,
                      as_json: bool, symbols: str | None = None) -> None:
    """`alphaforge train` with a training plan: the plan it already loaded, its jobs (only those of
    ``symbols``, when given) one at a time here."""
    from alphaforge.pipeline.plan_training import run_plan
    from alphaforge.selection import staged_jobs

    with make_executor("local", 1) as pool, reporting() as report_progress:
        report = run_plan(workspace, staged_jobs(plan, split_list(families), split_list(symbols)), pool, track=track,
                          progress=report_progress)
    _emit_plan_report(report, as_json)


def _emit_plan_report(report: dict[str, Any], as_json: bool) -> None:
    """Print the training plan's report; exit 1 when any job failed."""

    def render(r: dict[str, Any]) -> None:
        rows = [{**{k: row.get(k, "") for k in ("job_id", "stage", "family", "version", "seconds")},
                 "status": "ok" if row["ok"] else row["error"]} for row in r["tasks"]]
        print_table(f"Training plan on {r['executor']['executor']} ({r['executor']['workers']} workers, "
                    f"{r['seconds']:.1f} s)", rows)
        stdout.print("Report with tracebacks: reports/training_plan_run.json")

    emit(report, as_json, render)
    if report["failed"]:  # the report above is the output; the exit code tells scripts that jobs failed
        notice(f"{report['failed']} of {len(report['tasks'])} training job(s) failed: see their tracebacks in "
               "reports/training_plan_run.json")
        raise typer.Exit(1)


def tune_workers(
    ctx: typer.Context,
    target: TargetOption = None,
    family: FamilyOption = None,
    storage: StorageOption = None,
    executor: ExecutorOption = "local",
    workers: WorkersOption = None,
    ray_address: RayAddressOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run several `tune` workers at once on one study (phase sizes and the rest from [tuning])."""
    import optuna

    from alphaforge.tuning import TuneSettings
    from alphaforge.tuning.outputs import phase_summary
    from alphaforge.tuning.study import load_existing_study
    from alphaforge.tuning.workers import tune_on_executor
    from alphaforge.tuning.workflow import tuning_data

    workspace = open_workspace(ctx)
    config = workspace.config()
    settings = TuneSettings.from_config(config, target=target, family=family, storage=storage)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with make_executor(executor, workers, ray_address) as pool:  # a bad --executor fails before any work
        data = tuning_data(workspace, config, settings.target)
        results = tune_on_executor(pool, workspace, data, settings)
        described = pool.describe()
    summary = {"study": settings.study, "storage": settings.storage_url(workspace), "executor": described,
               "workers": [r.to_dict() for r in results]}
    if any(r.ok for r in results):  # counted after every worker finished, not as one of them saw it
        summary["phases"] = phase_summary(load_existing_study(summary["storage"], settings.study), settings.planned())
    else:
        summary["phases"] = {}

    def render(r: dict[str, Any]) -> None:
        rows = [{"worker": w["index"], "trials run": w["value"]["trials_run"] if w["ok"] else "",
                 "status": "ok" if w["ok"] else w["error"]} for w in r["workers"]]
        print_table(f"Study {r['study']} on {r['executor']['executor']}", rows)
        print_table("Phases", [{"phase": name, **counts} for name, counts in r["phases"].items()])
        stdout.print(f"Storage: {r['storage']}\nNext: alphaforge cv")

    emit(summary, as_json, render)
    failed = [r for r in results if not r.ok]
    if failed:
        notice(f"{len(failed)} tuning worker(s) failed; the first:\n{failed[0].traceback}")
        raise typer.Exit(1)

