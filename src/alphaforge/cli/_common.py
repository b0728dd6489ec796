"""What every command shares: the workspace option, ``--json`` output, tables, progress bars.

Results go to stdout (a Rich table for people, or exactly one JSON object with ``--json``);
logs, notices and progress bars go to stderr so that ``--json`` output stays parseable.
"""

from __future__ import annotations

import json
import numbers
import re
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from alphaforge.choices import EXECUTOR_NAMES

if TYPE_CHECKING:
    from alphaforge.workspace import Workspace

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)

ExecutorOption = Annotated[str | None, typer.Option("--executor",
                                                    help=f"Where tasks run: {', '.join(EXECUTOR_NAMES)}.")]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Worker processes (default: one per CPU; ray: the cluster's CPUs). 1 = serial.")]
RayAddressOption = Annotated[str | None, typer.Option(
    "--ray-address", help="Ray cluster to attach to (ray://HEAD:10001, HEAD:6379 or auto); default: a local runtime.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout (logs go to stderr).")]
ExperimentNameOption = Annotated[str | None, typer.Option(
    "--experiment-name", help="MLflow experiment to record the run in (default: [tracking] experiment).")]
ExperimentTagsOption = Annotated[list[str] | None, typer.Option(
    "--experiment-tags", help="Tags of the run: KEY=VALUE or a word (the tag WORD=true); repeat, or comma-separate.")]
TrackOption = Annotated[bool, typer.Option("--track/--no-track", "--track-experiment",
                                           help="Record the run in the workspace's MLflow store (mlruns.db); "
                                                "--track-experiment is --track.")]
TargetOption = Annotated[str | None, typer.Option("--target", "-t", help="Target (default: tuning.target in alphaforge.toml).")]
FamilyOption = Annotated[str | None, typer.Option("--family", "-f", help="Model family (default: tuning.family).")]
StorageOption = Annotated[str | None, typer.Option(
    "--storage", help="SQLAlchemy URL of the study (default: sqlite in tuning/<study>/study.db).")]
FeaturesOption = Annotated[str | None, typer.Option(
    "--features", "-f", help="Names, groups or patterns, comma-separated (default: the config's features).")]
SymbolsOption = Annotated[str | None, typer.Option(
    "--symbols", help="Comma-separated symbols (default: the config's).")]


HELP_MARKUP = None
"""Help texts are plain text, laid out by click: Rich markup read ``(default: [predict] bars)``
as a style tag and printed ``(default:  bars)``, and Rich's option table cut long option
names to ``--meta-model-pa…`` in 80 columns."""


def command_group(help: str) -> typer.Typer:
    """The Typer app of a command group (``alphaforge data ...``), with plain-text help."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=HELP_MARKUP)


@dataclass
class AppState:
    """Options given before the command (``alphaforge --workspace DIR <command>``)."""

    workspace: Path = Path(".")


def app_state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def open_workspace(ctx: typer.Context) -> Workspace:
    """The workspace named by ``--workspace`` (default: the current folder); it must exist."""
    from alphaforge.workspace import Workspace

    return Workspace.open(app_state(ctx).workspace)


def open_tracked(ctx: typer.Context, track: bool, experiment_name: str | None,
                 experiment_tags: list[str] | None) -> tuple[Workspace, Any, Any]:
    """The workspace, its config and the experiment tracker a tracked command records into."""
    from alphaforge.tracking import open_tracker

    workspace = open_workspace(ctx)
    config = workspace.config()
    return workspace, config, open_tracker(workspace, config, enabled=track, experiment=experiment_name,
                                           tags=experiment_tag_dict(experiment_tags))


def open_project(ctx: typer.Context, track: bool = False, experiment_name: str | None = None,
                 experiment_tags: list[str] | None = None) -> tuple[Any, Any]:
    """The front door (:class:`alphaforge.project.Project`) on ``--workspace`` and the tracker a
    tracked command records into: commands are thin calls of the project's verbs."""
    from alphaforge.project import Project

    workspace, config, tracker = open_tracked(ctx, track, experiment_name, experiment_tags)
    return Project(workspace, config), tracker


def experiment_tag_dict(items: list[str] | None) -> dict[str, str]:
    """``--experiment-tags`` as a dict: ``KEY=VALUE`` pairs, and a bare word ``meta`` as ``meta=true``
    (the seeds' ``--experiment-tags "meta,trend,gb"``), in every command that records a run."""
    from alphaforge.tracking import parse_tags

    words = [part.strip() for item in items or [] for part in item.split(",") if part.strip()]
    return parse_tags([word if "=" in word else f"{word}=true" for word in words])


def split_list(value: str | None) -> list[str] | None:
    """``"A, B"`` → ``["A", "B"]``; None stays None."""
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def notices_of(caught: list[warnings.WarningMessage]) -> list[str]:
    """Warning messages (skip notices and the like) as notice lines for ``emit``."""
    return [str(w.message) for w in caught]


def notice(message: str) -> None:
    """A one-line notice on stderr."""
    stderr.print("[yellow]notice:[/yellow]", escape(message), highlight=False)


def emit(result: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], None]) -> None:
    """Print ``result``: as one JSON object with ``--json``, else through ``render`` for people."""
    if as_json:
        print(json.dumps(result, default=str))
    else:
        for line in result.get("notices", []):
            notice(line)
        render(result)


_TABLE_EDGES = 1  # a Rich table's width is its columns' widths, 3 per column (padding, rule) and 1
_COLUMN_EDGES = 3


def _least_width(texts: Iterable[str]) -> int:
    """Columns a text needs without breaking a word: numbers, ids, dates and names stay whole."""
    return max((len(word) for text in texts for word in text.split()), default=1)


def _column_parts(widths: Sequence[int], room: int) -> list[list[int]]:
    """Column positions per printed table: the first column in every part, then the others in order,
    in as few parts as fit in ``room`` without breaking a word (so a wide table folds into parts
    instead of cutting its values), the parts about equally wide."""

    def split(cap: int) -> list[list[int]]:
        parts: list[list[int]] = []
        for position in range(1, len(widths)):
            used = sum(widths[i] + _COLUMN_EDGES for i in parts[-1]) + _TABLE_EDGES if parts else cap + 1
            if used + widths[position] + _COLUMN_EDGES > cap:
                parts.append([0])
            parts[-1].append(position)
        return parts or [[0]]

    fewest = len(split(room))
    return next(parts for cap in range(1, room + 1) if len(parts := split(cap)) <= fewest)


def print_table(title: str, rows: Sequence[dict[str, Any]], columns: Iterable[str] | None = None) -> None:
    """A Rich table of dict rows on stdout: cells formatted by :func:`_cell`, printed as text (a
    ``[deep]`` in a cell is not markup), words never broken; a table wider than the terminal is
    printed as several tables that repeat its first column."""
    columns = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if not columns:
        stdout.print(escape(title), highlight=False)
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [_least_width([column, *(row[i] for row in cells)]) for i, column in enumerate(columns)]
    parts = _column_parts(widths, stdout.width)
    for number, part in enumerate(parts):
        heading = title if len(parts) == 1 else f"{title} ({number + 1}/{len(parts)})"
        table = Table(title=escape(heading), title_justify="left")
        for i in part:
            table.add_column(escape(columns[i]), overflow="fold", min_width=widths[i])
        for row in cells:
            table.add_row(*(escape(row[i]) for i in part))
        stdout.print(table, soft_wrap=False)  # soft wrapping lets a table with minimum widths overflow


def print_verdicts(verdicts: Iterable[dict[str, Any]], heading: str = "Verdict") -> None:
    """The verdicts on a model, one line each: a check mark for a finding, a warning sign otherwise."""
    for verdict in verdicts:
        mark = "[yellow]⚠[/yellow]" if verdict.get("warning") else "[green]✔[/green]"
        stdout.print(f"{mark} [bold]{escape(heading)}:[/bold] {escape(str(verdict.get('message', '')))}",
                     highlight=False)


def print_fields(title: str, fields: dict[str, Any]) -> None:
    """A two-column key/value table on stdout."""
    print_table(title, [{"field": k, "value": v} for k, v in fields.items()], ["field", "value"])


_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):\d{2}(?:\.\d+)?(?:\+00:00|Z)?$")


def _cell(value: Any) -> str:
    """A table cell: times without seconds, numbers to 4 significant digits, long lists cut."""
    if isinstance(value, str) and (match := _ISO_TIME.match(value)):
        date, time = match.groups()
        return date if time == "00:00" else f"{date} {time}"
    if value is None:
        return "-"
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):  # numpy floats too
        return f"{float(value):.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value[:12]) + (f" … (+{len(value) - 12})" if len(value) > 12 else "")
    return str(value)


def progress() -> Progress:
    """A progress bar on stderr for long work."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=stderr, transient=True)


@contextmanager
def reporting() -> Iterator[Callable[[str, int, int | None], None]]:
    """A :mod:`alphaforge.progress` callback drawing one bar per kind of work on stderr (folds,
    rounds...), with elapsed time and an estimate; silent with ``--quiet``."""
    if not stderr.is_terminal:  # a log file or CI: a line now and then instead of a live bar
        yield _log_lines()
        return
    with progress() as bars:
        tasks: dict[str, Any] = {}

        def report(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bars.add_task(escape(what), total=total)
            bars.update(tasks[what], completed=done, total=total)

        yield report


def _log_lines(every: float = 5.0) -> Callable[[str, int, int | None], None]:
    """A progress callback printing ``what: done/total, elapsed, ~left`` on stderr, at most every
    ``every`` seconds per kind of work, and when it completes."""
    started: dict[str, float] = {}
    shown: dict[str, float] = {}

    def report(what: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        first = started.setdefault(what, now)
        if done != total and now - shown.get(what, first - every) < every:
            return
        shown[what] = now
        elapsed = now - first
        left = f", ~{elapsed / done * (total - done):.0f} s left" if total and done and done < total else ""
        stderr.print(f"{escape(what)}: {done}/{total if total else '?'} ({elapsed:.0f} s{left})", highlight=False)

    return report
