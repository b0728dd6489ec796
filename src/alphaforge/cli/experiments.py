"""`alphaforge experiments ...`: read back the tracked (MLflow) runs of this workspace.

The same runs open in MLflow's UI: ``mlflow ui --backend-store-uri sqlite:///<workspace>/mlruns.db``.
The tracking library is imported inside the commands: `--help` must not load it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from alphaforge.cli._common import (
    JsonOption,
    command_group,
    emit,
    open_workspace,
    print_fields,
    print_table,
)

app = command_group("Tracked runs (MLflow store mlruns.db in the workspace).")

_HEADLINE = ("validation.ic", "validation.auc", "validation.rmse", "validation.log_loss", "sharpe")


@app.command("list")
def list_(
    ctx: typer.Context,
    experiment_name: Annotated[str | None, typer.Option("--experiment-name", help="Only this experiment.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest runs shown.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """The newest runs: id, experiment, stage, status, start, headline metrics."""
    from alphaforge.tracking import list_runs

    runs = list_runs(open_workspace(ctx).tracking_uri, experiment=experiment_name, limit=limit)

    def render(r: dict[str, Any]) -> None:
        rows = [{**run, "run_id": run["run_id"][:12],
                 "metrics": ", ".join(f"{k}={v:.4g}" for k, v in run["metrics"].items() if k in _HEADLINE)}
                for run in r["runs"]]
        print_table(f"{len(rows)} run(s)" if rows else "No runs yet", rows,
                    ["run_id", "experiment", "name", "stage", "status", "start", "duration_s", "metrics"])

    emit({"runs": runs}, as_json, render)


@app.command("show")
def show(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id or a unique prefix of it.")],
    as_json: JsonOption = False,
) -> None:
    """One run: params, metrics, tags and artifacts."""
    from alphaforge.tracking import show_run

    result = show_run(open_workspace(ctx).tracking_uri, run)

    def render(r: dict[str, Any]) -> None:
        print_fields(f"Run {r['run_id']}", {k: r[k] for k in ("experiment", "name", "stage", "status", "start",
                                                              "duration_s", "artifact_uri", "artifacts")})
        print_fields("Metrics", r["metrics"])
        print_fields("Tags", r["tags"])
        print_fields("Params", r["params"])

    emit(result, as_json, render)


@app.command("compare")
def compare(
    ctx: typer.Context,
    runs: Annotated[list[str], typer.Argument(help="Two or more run ids (or unique prefixes).")],
    all_keys: Annotated[bool, typer.Option("--all", help="Also show params and metrics that are equal.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Runs side by side: metrics, and the params that differ."""
    from alphaforge.tracking import compare_runs

    result = compare_runs(open_workspace(ctx).tracking_uri, runs)

    def render(r: dict[str, Any]) -> None:
        names = [run["run_id"][:12] for run in r["runs"]]
        for part in ("metrics", "params"):
            rows = [{"key": row["key"], **dict(zip(names, row["values"], strict=True))}
                    for row in r[part] if all_keys or row["differs"] or part == "metrics"]
            print_table(f"{part} ({'all' if all_keys or part == 'metrics' else 'differing'})", rows, ["key", *names])

    emit(result, as_json, render)
