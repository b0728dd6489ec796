"""Commands loaded on first use, so `alphaforge run` on a cached workspace does not pay for
importing every library (MLflow, Optuna, DuckDB, scikit-learn, ...) that other commands need."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperGroup

from alphaforge.cli._common import HELP_MARKUP


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives: ``module:attribute`` (a Typer sub-app or a command function), plus
    modules to import first because they add commands to it."""

    target: str
    help: str
    also: tuple[str, ...] = ()

    def load(self, name: str) -> Any:
        for module in self.also:
            importlib.import_module(module)
        module_name, attribute = self.target.split(":")
        obj = getattr(importlib.import_module(module_name), attribute)
        if isinstance(obj, typer.Typer):
            command = typer.main.get_group(obj)
        else:
            single = typer.Typer(rich_markup_mode=HELP_MARKUP, add_completion=False)  # the root app has them
            single.command(name)(obj)
            command = typer.main.get_command(single)
        command.name = name
        return command


class LazyGroup(TyperGroup):
    """A Typer group whose ``LAZY`` commands are imported only when invoked (or for their help)."""

    lazy: dict[str, LazyCommand] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.commands[cmd_name] = self.lazy[cmd_name].load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List every command with its one-line help without importing the lazy ones."""
        rows = [(name, (self.commands[name].get_short_help_str(60) if name in self.commands
                        else self.lazy[name].help)) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The words that name ``command`` and every command below it (itself first, as ``prefix``),
    lazy ones loaded: what the help tests and ``bench/bench_cli.py`` run through."""
    paths = [prefix]
    if hasattr(command, "list_commands"):  # a group (Typer vendors its own click classes)
        context = command.context_class(command)
        for name in command.list_commands(context):
            paths += command_paths(command.get_command(context, name), (*prefix, name))
    return paths
