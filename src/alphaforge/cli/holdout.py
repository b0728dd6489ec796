"""`alphaforge store ...` and `alphaforge holdout ...`: the training/prediction tables and the
holdout cycle (create → preserve → remove → predict → evaluate → restore).

Each command imports its library function when it runs: the store pulls in DuckDB and the
model families, which the other commands should not pay for at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphaforge.cli._common import (
    FeaturesOption,
    JsonOption,
    command_group,
    emit,
    open_project,
    open_workspace,
    print_fields,
    print_table,
    split_list,
    stdout,
)

store_app = command_group("The training and prediction tables (store.duckdb).")
app = command_group("Hold setups out of training, predict and score them, put them back.")

SetupFileOption = Annotated[Path, typer.Option("--setup-file", help="File of setup ids, one per line.")]



def _holdout(ctx: typer.Context) -> Any:
    """The front door's holdout verbs on ``--workspace``."""
    return open_project(ctx)[0].holdout

@store_app.command("fill")
def fill(
    ctx: typer.Context,
    targets: Annotated[str | None, typer.Option(
        "--targets", "-t", help="Comma-separated targets (default: the config's [selection] targets).")] = None,
    features: FeaturesOption = None,
    events: Annotated[Path | None, typer.Option(
        help="CSV/Parquet of events (symbol, timestamp, event): only those bars become setups.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fill the training and prediction tables from the cached features and targets (nothing recomputed)."""
    from alphaforge.data.events import read_events
    result = _holdout(ctx).fill(split_list(targets), features=split_list(features),
                                events=read_events(events) if events else None)
    emit(result, as_json, lambda r: print_fields("Store filled", {
        "training rows": r["training_rows"], "prediction rows": r["prediction_rows"], "held out": r["held_out"],
        "features": r["features"], "targets": r["targets"], "store": r["store"]}))


@store_app.command("info")
def info(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """What the store holds: rows, features, targets, holdouts, the data it was filled from."""
    from alphaforge.store.info import store_info

    result = store_info(open_workspace(ctx))
    emit(result, as_json, lambda r: print_fields("Store", {
        "training rows": r["training_rows"], "prediction rows": r["prediction_rows"], "held out": r["held_out"],
        "features": len(r["features"]), "targets": r["targets"], "preserved files": r["preserved_files"],
        "filled at": r["filled_at"], "store": r["store"]}))


@app.command("create")
def create(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Setup file to write.")],
    count: Annotated[int | None, typer.Option(help="Setups drawn at random (default: all in --from/--to).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the config's seed).")] = None,
    symbols: Annotated[str | None, typer.Option(help="Comma-separated symbols to draw from.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First setup time (ISO date or time, UTC).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last setup time; a date covers its whole day.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Choose setups from the training table into a setup file: random (reproducible) or by date."""
    result = _holdout(ctx).create(output, count=count, seed=seed, symbols=split_list(symbols),
                            start=start, end=end)
    emit(result, as_json, lambda r: stdout.print(f"Wrote {r['count']} setup ids to [bold]{r['output']}[/bold]\n"
                                                 f"Next: alphaforge holdout preserve --setup-file {r['output']}"))


@app.command("preserve")
def preserve(ctx: typer.Context, setup_file: SetupFileOption, as_json: JsonOption = False) -> None:
    """Save the setups' training rows (features, targets, t1) to holdouts/preserved_<time>.parquet."""
    result = _holdout(ctx).preserve(setup_file)
    emit(result, as_json, lambda r: stdout.print(
        f"Preserved {r['count']} setups in [bold]{r['preserved_file']}[/bold] (sha256 {r['sha256'][:16]}…)\n"
        f"Next: alphaforge holdout remove --setup-file {setup_file}"))


@app.command("remove")
def remove(ctx: typer.Context, setup_file: SetupFileOption, as_json: JsonOption = False) -> None:
    """Move preserved setups out of training into the prediction table (one transaction)."""
    result = _holdout(ctx).remove(setup_file)
    emit(result, as_json, lambda r: stdout.print(
        f"Removed {r['removed']} setups from training ({r['already_held_out']} were already held out); "
        f"{r['training_rows']} training rows remain.\nNext: alphaforge train, then alphaforge predict "
        f"--setup-file {setup_file}"))


@app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    domain: Annotated[str | None, typer.Option(help="Only this domain: a target, model family or feature group.")]
    = None,
    predictions: Annotated[list[Path] | None, typer.Option(
        help="Prediction files to score (default: the newest per model for the held-out setups).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Score the holdout predictions against the preserved labels, overall and per domain, with a plot."""
    result = _holdout(ctx).evaluate(domain, predictions)

    def render(r: dict[str, Any]) -> None:
        shown = [m for m in ("n", "ic", "hit_rate", "rmse", "r2", "accuracy", "auc", "log_loss", "brier")
                 if any(m in row for row in r["overall"])]
        print_table("Holdout scores", r["overall"], ["family", "target", "task", *shown])
        print_table("By domain (kind: target, family or feature group)", r["by_domain"],
                    ["domain_kind", "domain", "target", *shown])
        stdout.print(f"Plot: {r['plot']}")

    emit(result, as_json, render)


@app.command("restore")
def restore(
    ctx: typer.Context,
    preserved_file: Annotated[Path, typer.Option("--preserved-file", help="A holdouts/preserved_<time>.parquet.")],
    as_json: JsonOption = False,
) -> None:
    """Verify a preserved file's checksum and put its exact rows back into training (idempotent)."""
    result = _holdout(ctx).restore(preserved_file)
    emit(result, as_json, lambda r: stdout.print(
        f"Restored {r['restored']} setups ({r['already_in_training']} were already in training); "
        f"{r['training_rows']} training rows."))
