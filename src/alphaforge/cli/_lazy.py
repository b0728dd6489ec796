"""Commands loaded on first use, so `alphaforge run` on a cached workspace does not pay for
importing every library (MLflow, Optuna, DuckDB, scikit-learn, ...) that other commands need."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

try:  # Typer's private coercion layer (0.29): absent from other versions, which coerce as they do
    from typer._coercion import RuntimeParam, build_runtime_param
except ImportError:  # pragma: no cover - depends on the installed Typer
    RuntimeParam = None

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


if RuntimeParam is not None:
    @dataclass(frozen=True)
    class _GroupValue(RuntimeParam):
        """A group's own option (``--workspace``, its flags, ``--help``) coerced without Pydantic.

        Typer 0.29 builds a Pydantic adapter for every value a group parses, its absent help flag
        included, before it looks at the value: ``alphaforge data list --help`` paid 90 ms of
        Pydantic imports (0.22 s against 0.13 s) for values that need none. Absent values (None)
        never reach this; a path is a path (our groups' paths carry no checks: the workspace checks
        itself); anything else goes through Typer's own coercion."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.annotation is Path and isinstance(value, (str, Path)):
                return Path(value)
            return build_runtime_param(param.type_descriptor).coerce(value, param=param, ctx=ctx)


def _coerce_group_values_plainly(group: Any, ctx: Any) -> None:
    """Give ``group``'s own parameters (help option included) the Pydantic-free coercion above, and
    the same to the groups below it; commands need none (their ``--help`` arrives as a boolean,
    which Typer passes through, and stops the parse)."""
    if RuntimeParam is None or not hasattr(group, "list_commands"):
        return
    for param in [*group.params, group.get_help_option(ctx)]:
        if param is not None and getattr(param, "_runtime_param", False) is None:
            param._runtime_param = _GroupValue(annotation=param.type_descriptor.annotation,
                                               parameter_info=param.type_descriptor.parameter_info)
    for command in group.commands.values():
        _coerce_group_values_plainly(command, ctx)


class LazyGroup(TyperGroup):
    """A Typer group whose ``LAZY`` commands are imported only when invoked (or for their help)."""

    lazy: dict[str, LazyCommand] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _coerce_group_values_plainly(self, ctx)
        return super().parse_args(ctx, args)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.commands[cmd_name] = command = self.lazy[cmd_name].load(cmd_name)
            _coerce_group_values_plainly(command, ctx)
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
