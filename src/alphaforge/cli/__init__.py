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

from alphaforge import __version__
from alphaforge.cli import check as check_cli
from alphaforge.cli import data as data_cli
from alphaforge.cli import experiments as experiments_cli
from alphaforge.cli import features as features_cli
from alphaforge.cli import holdout as holdout_cli
from alphaforge.cli import meta as meta_cli
from alphaforge.cli import models as models_cli
from alphaforge.cli import run as run_cli
from alphaforge.cli import selection as selection_cli  # also registers `targets rank`, `features select`
from alphaforge.cli import targets as targets_cli
from alphaforge.cli import train as train_cli
from alphaforge.cli import tuning as tuning_cli
from alphaforge.cli._common import AppState, JsonOption, app_state, emit, stderr, stdout
from alphaforge.config import render_config
from alphaforge.errors import AlphaForgeError
from alphaforge.workspace import Workspace

app = typer.Typer(
    name="alphaforge",
    help="From raw market data to a tuned, validated, backtested trading model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(data_cli.app, name="data")
app.add_typer(features_cli.app, name="features")
app.add_typer(targets_cli.app, name="targets")
app.add_typer(check_cli.app, name="check")
app.add_typer(holdout_cli.store_app, name="store")
app.add_typer(holdout_cli.app, name="holdout")
app.add_typer(meta_cli.app, name="meta")
app.command("tune")(tuning_cli.tune)
app.command("cv")(tuning_cli.cv)
app.command("analyze")(tuning_cli.analyze)
app.command("train")(train_cli.train)
app.command("plan")(selection_cli.plan)
app.add_typer(models_cli.app, name="models")
app.add_typer(experiments_cli.app, name="experiments")
run_cli.register(app)


def _version(value: bool) -> None:
    if value:
        print(f"alphaforge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder (holds alphaforge.toml).",
                                            envvar="ALPHAFORGE_WORKSPACE")] = Path("."),
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """AlphaForge: every stage is a command; `alphaforge run` does them all."""
    ctx.obj = AppState(workspace=workspace)


@app.command("init")
def init(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Argument(help="Folder to create (default: --workspace).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rewrite an existing alphaforge.toml with defaults.")] = False,
    print_only: Annotated[bool, typer.Option("--print", help="Print the default config instead of writing it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a workspace with an alphaforge.toml that spells out every default."""
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
    try:
        app(standalone_mode=True)
    except AlphaForgeError as exc:
        if os.environ.get("ALPHAFORGE_DEBUG"):
            raise
        if as_json:
            print(json.dumps(exc.to_dict()))
        stderr.print("[bold red]error:[/bold red]", escape(str(exc)), highlight=False)
        sys.exit(exc.exit_code)
