"""`alphaforge live`: keep the model predicting as bars arrive (libraries load inside the command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphaforge.cli._common import (
    ExperimentNameOption,
    ExperimentTagsOption,
    JsonOption,
    emit,
    open_project,
    print_fields,
    print_table,
    stderr,
    stdout,
    TrackOption,
)


def live(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="One iteration, then stop.")] = False,
    max_iterations: Annotated[int | None, typer.Option("--max-iterations", min=1, help="Stop after N "
                                                                                       "iterations.")] = None,
    until: Annotated[str | None, typer.Option(help="Stop once a bar at or after TIME is signalled (or the clock "
                                                   "passes TIME while waiting).")] = None,
    interval: Annotated[str | None, typer.Option(help="Wait between polls, e.g. 1min, 1h (default: [live] poll; "
                                                      "none for a replay).")] = None,
    source: Annotated[str | None, typer.Option(help="replay, folder or binance (default: [live] source).")] = None,
    model_path: Annotated[Path | None, typer.Option("--model-path", help="The model to start with (default: the "
                                                                        "one the loop last used, else the "
                                                                        "latest).")] = None,
    name: Annotated[str, typer.Option(help="The loop's name: its log is live/NAME/.")] = "live",
    track: TrackOption = True,
    experiment_name: ExperimentNameOption = None,
    experiment_tags: ExperimentTagsOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No line per iteration on stderr.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Poll new bars, store them, score them with the model, withhold novel rows, log the signals;
    retrain on [live] retrain_every. SIGTERM or Ctrl-C stops after the iteration in progress."""
    project, tracker = open_project(ctx, track, experiment_name, experiment_tags)

    def report(line: Any) -> None:
        if not quiet:
            stderr.print(line.line(), highlight=False)

    result = project.live(name=name, once=once, max_iterations=max_iterations, until=until, poll=interval,
                          model_path=model_path, source=source, tracker=tracker, on_iteration=report)

    def render(r: dict[str, Any]) -> None:
        print_fields(f"Live loop {r['name']}", {
            "stopped": r["stopped"], "iterations": r["iterations"], "rows signalled": r["rows"],
            "log rows": r["log_rows"], "last bar": r["last_bar"], "model": r["model"],
            "retrains": len(r["retrained"]), "schedule": r["retrain_every"]})
        if r["signals"]:
            print_table("Latest signals", [{"symbol": s, "signal": v} for s, v in r["signals"].items()])
        if r["drift"]:
            stdout.print(f"Drift: {r['drift']['summary']}", highlight=False)
        stdout.print("Written:\n" + "\n".join(f"  {f}" for f in r["files"]), highlight=False)

    emit({k: v for k, v in result.items() if k != "reports"} if not as_json else result, as_json, render)

