"""`alphaforge targets ...`: the target kinds, and cached target tables for training.

The target library is imported inside the commands: `--help` must not load numpy or pandas."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphaforge.cli._common import (
    JsonOption,
    command_group,
    emit,
    open_workspace,
    print_table,
)
from alphaforge.errors import InputError

app = command_group("Training-only targets: list the kinds, build cached target tables.")


@app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """List the target kinds with their name patterns ([...] = optional, with its default)."""
    from alphaforge.targets import describe_kinds

    result = {"kinds": describe_kinds()}
    emit(result, as_json, lambda r: print_table("Target kinds (name = pattern with values, e.g. the example)",
                                                r["kinds"], ["kind", "pattern", "example", "summary"]))


@app.command("build")
def build(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Target names, e.g. fwd_ret_24 tb_24_2.0_1.0.")] = None,
    events: Annotated[Path | None, typer.Option(
        help="CSV/Parquet of events (symbol, timestamp): the bars that targets with events 'given' label, "
             "e.g. tb_5D_2.0_1.0_given.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Compute targets over the configured bars; cached by data, target and code version (and the
    events' content for targets on given events).

    Triple-barrier horizons: bars (tb_24_2.0_1.0) or a duration (tb_5D_2.0_1.0: last bar by t + 5D; 36h, 90min)."""
    if not names:
        raise InputError("no targets named", where="alphaforge targets build",
                         fix="name some, e.g. `alphaforge targets build fwd_ret_24 tb_24_2.0_1.0` "
                             "(`alphaforge targets list` shows the kinds)")
    from alphaforge.data import datasets
    from alphaforge.data.events import read_events
    from alphaforge.data.rawstore import content_sha256
    from alphaforge.targets import TargetCache, build_targets, describe_targets

    workspace = open_workspace(ctx)
    bars = datasets.load_bars(workspace)
    fingerprint = content_sha256(bars)
    with workspace.lock("targets build"):
        table, report = build_targets(bars, names, data_sha256=fingerprint, cache=TargetCache(workspace.targets_dir),
                                      events=read_events(events) if events else None)
    summaries = describe_targets(table, names)
    for summary in summaries:
        summary["cache"] = "hit" if summary["target"] in report.hits else "computed"
    result = {"targets": summaries, "rows": len(table), "data_sha256": fingerprint,
              "cache_dir": str(workspace.targets_dir)}

    def render(r: dict[str, Any]) -> None:
        print_table(f"Targets over {r['rows']} bars (cache: {r['cache_dir']})", r["targets"],
                    ["target", "cache", "labelled", "unlabelled", "median_span", "mean", "std", "counts"])

    emit(result, as_json, render)
