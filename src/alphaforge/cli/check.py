"""`alphaforge check ...`: audits of the pipeline's honesty, starting with feature look-ahead.

The audits are imported inside the commands: `--help` must not load numpy or pandas."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from alphaforge.cli._common import (
    FeaturesOption,
    JsonOption,
    SymbolsOption,
    command_group,
    emit,
    notices_of,
    print_table,
    reporting,
    stdout,
)
from alphaforge.cli.features import feature_inputs

app = command_group("Check the pipeline for look-ahead.")


@app.command("leakage")
def leakage(
    ctx: typer.Context,
    features: FeaturesOption = None,
    symbols: SymbolsOption = None,
    cuts: Annotated[int, typer.Option(min=1, help="Cut times to test (spread over the later half of the data).")]
    = 3,
    as_json: JsonOption = False,
) -> None:
    """Truncation test per feature: values up to t must not change when data after t is removed or
    replaced by noise. Exit code 1 when any feature leaks; a column with no value before any cut
    (cross-sectional features on one symbol, macro series without observations in range) is
    reported as unverifiable, not as leaking."""
    from alphaforge.features.leakage import check_leakage

    with feature_inputs(ctx, features, symbols) as inputs, reporting() as progress:
        results = check_leakage(inputs.bars, inputs.macro, inputs.spec, cuts=cuts, seed=inputs.config.seed,
                                progress=progress)
    rows = [r.to_dict() for r in results]
    failed = [r.column for r in results if r.status == "leaking"]
    unverifiable = [r.column for r in results if r.status == "unverifiable"]
    summary = {"passed": not failed, "failed": failed, "unverifiable": unverifiable, "cuts": cuts, "features": rows,
               "notices": notices_of(inputs.caught)}

    def render(r: dict[str, Any]) -> None:
        print_table("Look-ahead check (values up to each cut, after truncation and after noise)", r["features"],
                    ["column", "status", "checked", "changed_by_truncation", "changed_by_noise"])
        verdict = "[green]no look-ahead found[/green]" if r["passed"] else f"[red]{len(r['failed'])} leaking[/red]"
        unchecked = (f"; {len(r['unverifiable'])} unverifiable (no value before any cut to compare)"
                     if r["unverifiable"] else "")
        stdout.print(f"{len(r['features'])} column(s) checked at {r['cuts']} cut(s): {verdict}{unchecked}")

    emit(summary, as_json, render)
    if failed:
        raise typer.Exit(1)
