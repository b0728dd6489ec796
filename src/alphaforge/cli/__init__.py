"""The ``alphaforge`` command line: one Typer app; each command is a thin call of a library function.

Exit codes: 0 success, 2 bad input or usage, 1 any other failure. Errors print their place and
fix without a traceback (set ``ALPHAFORGE_DEBUG=1`` for one).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from alphaforge.cli._common import (
    HELP_MARKUP,
    AppState,
    JsonOption,
    app_state,
    emit,
    stderr,
    stdout,
)
from alphaforge.cli._lazy import LazyCommand, LazyGroup
from alphaforge.errors import AlphaForgeError
from alphaforge.heap import skip_collection_at_exit


class _Commands(LazyGroup):
    lazy = {
        "data": LazyCommand("alphaforge.cli.data:app", "Get market data into the workspace and look at it."),
        "features": LazyCommand("alphaforge.cli.features:app", "The feature registry, builds and selection.",
                                also=("alphaforge.cli.selection",)),
        "targets": LazyCommand("alphaforge.cli.targets:app", "Training-only targets: list, build, rank.",
                               also=("alphaforge.cli.selection",)),
        "check": LazyCommand("alphaforge.cli.check:app", "Check the pipeline for look-ahead."),
        "plan": LazyCommand("alphaforge.cli.selection:plan", "Rank targets, select features, route, write the "
                                                             "training plan."),
        "tune": LazyCommand("alphaforge.cli.tuning:tune", "Three-phase Optuna study of one target and family."),
        "cv": LazyCommand("alphaforge.cli.tuning:cv", "Extended cross-validation of the top tuned configurations."),
        "analyze": LazyCommand("alphaforge.cli.tuning:analyze", "Pick the best configuration "
                                                                "(analysis/best_config.json)."),
        "train": LazyCommand("alphaforge.cli.train:train", "Train the best and final models, register them."),
        "models": LazyCommand("alphaforge.cli.models:app", "The model registry: list, show, families."),
        "predict": LazyCommand("alphaforge.cli.run:predict", "Score recent bars (or held-out setups); write "
                                                             "predictions and a chart."),
        "live": LazyCommand("alphaforge.cli.live:live", "Keep the model predicting as bars arrive; retrain on "
                                                        "schedule."),
        "backtest": LazyCommand("alphaforge.cli.run:backtest", "Backtest out of sample against the benchmark."),
        "meta": LazyCommand("alphaforge.cli.meta:app", "Meta-models that filter or size a strategy's trades."),
        "store": LazyCommand("alphaforge.cli.holdout:store_app", "The training/prediction tables (store.duckdb)."),
        "holdout": LazyCommand("alphaforge.cli.holdout:app", "Hold setups out, predict, evaluate, restore."),
        "experiments": LazyCommand("alphaforge.cli.experiments:app", "MLflow runs: list, show, compare."),
        "run": LazyCommand("alphaforge.cli.run:run", "Everything, cached: data to report."),
        "train-plan": LazyCommand("alphaforge.cli.distributed:train_plan", "Train the training plan's jobs in "
                                                                          "parallel (local processes or Ray)."),
        "tune-workers": LazyCommand("alphaforge.cli.distributed:tune_workers", "Several tuning workers on one "
                                                                               "shared study (local or Ray)."),
    }


app = typer.Typer(
    name="alphaforge",
    cls=_Commands,
    help="From raw market data to a tuned, validated, backtested trading model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=HELP_MARKUP,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from alphaforge._version import installed_version

        print(f"alphaforge {installed_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder (holds alphaforge.toml).",
                                            envvar="ALPHAFORGE_WORKSPACE")] = Path("."),
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or notices on stderr (results "
                                                               "and errors still print).")] = False,
) -> None:
    """AlphaForge: every stage is a command; `alphaforge run` does them all."""
    ctx.obj = AppState(workspace=workspace)
    stderr.quiet = quiet


@app.command("init")
def init(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Argument(help="Folder to create (default: --workspace).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rewrite an existing alphaforge.toml with defaults.")] = False,
    print_only: Annotated[bool, typer.Option("--print", help="Print the default config instead of writing it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a workspace with an alphaforge.toml that spells out every default."""
    from alphaforge.config import render_config
    from alphaforge.workspace import Workspace

    if print_only:
        print(render_config(), end="")
        return
    root = directory or app_state(ctx).workspace
    workspace = Workspace.create(root, force=force)
    result = {"workspace": str(workspace.root.resolve()), "config": str(workspace.config_path.resolve())}
    emit(result, as_json, lambda r: stdout.print(f"Created workspace [bold]{r['workspace']}[/bold]\n"
                                                 f"Next: alphaforge -w {root} data demo"))


def main() -> None:
    """Console entry point: run the app and turn AlphaForge errors into exit codes and clear messages."""
    as_json = "--json" in sys.argv[1:]
    skip_collection_at_exit()
    try:
        app(standalone_mode=True)
    except AlphaForgeError as exc:
        if os.environ.get("ALPHAFORGE_DEBUG"):
            raise
        if as_json:
            print(json.dumps(exc.to_dict()))
        stderr.quiet = False  # --quiet silences progress and notices, never an error
        stderr.print("[bold red]error:[/bold red]", escape(str(exc)), highlight=False)
        sys.exit(exc.exit_code)
