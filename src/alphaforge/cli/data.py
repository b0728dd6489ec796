"""`alphaforge data ...`: bundled demo data, synthetic markets, imports, downloads, summaries.

The data library (pandas, pyarrow) is imported inside the commands: `--help` must not load it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphaforge.cli._common import (
    JsonOption,
    command_group,
    emit,
    open_workspace,
    print_fields,
    print_table,
    progress,
    stdout,
)

app = command_group("Get market data into the workspace and look at it.")
UseOption = Annotated[bool, typer.Option("--use", help="Point the pipeline at this dataset: set [data] dataset "
                                                       "(or macro) in alphaforge.toml.")]


def _render_stored(results: list[dict[str, Any]]) -> None:
    rows = [{"dataset": r["dataset"], "status": "imported" if r["created"] else "unchanged (already imported)",
             "version": r["version"], "rows": r["rows"], "symbols/series": len(r["keys"]),
             "start": r["start"], "end": r["end"]} for r in results]
    print_table("Raw store", rows)


@app.command("demo")
def demo(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Bundled sets (default: sp500 and macro).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Import bundled real market data (offline) into the workspace and print its summary."""
    from alphaforge.data import datasets
    from alphaforge.data.bundled import list_bundled

    workspace = open_workspace(ctx)
    results = [datasets.import_bundled(workspace, name) for name in (names or list(datasets.DEFAULT_DEMO_SETS))]
    available = [{"set": s.name, "kind": s.kind, "frequency": s.frequency, "rows": s.rows,
                  "symbols/series": len(s.symbols) or len(s.series), "licence": s.licence} for s in list_bundled()]
    summaries = {r["dataset"]: datasets.describe_dataset(workspace, r["dataset"])["summaries"] for r in results}

    def render(result: dict[str, Any]) -> None:
        _render_stored(result["imported"])
        for name, rows in result["summaries"].items():
            print_table(f"{name}: per symbol", rows, ["symbol" if "symbol" in rows[0] else "series", "rows", "start",
                                                      "end", "interval", "gaps", "missing_bars", "last_close"])
        print_table("Bundled sets available (alphaforge data demo NAME)", result["available"])

    emit({"imported": results, "summaries": summaries, "available": available}, as_json, render)


@app.command("synth")
def synth(
    ctx: typer.Context,
    symbols: Annotated[int, typer.Option(min=1, help="Number of symbols.")] = 20,
    bars: Annotated[int, typer.Option(min=10, help="Bars per symbol.")] = 50_000,
    freq: Annotated[str, typer.Option(help="Bar interval, e.g. 1h, 1d, 5min.")] = "1h",
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 0,
    mode: Annotated[str, typer.Option(help="realistic | random_walk (no signal) | planted (known signal).")]
    = "realistic",
    name: Annotated[str, typer.Option(help="Dataset name in the raw store.")] = "synth",
    replace: Annotated[bool, typer.Option(help="Replace an existing dataset of that name (old one kept).")] = False,
    use: UseOption = False,
    as_json: JsonOption = False,
) -> None:
    """Generate a synthetic market (stochastic volatility, regimes, fat tails), deterministic by seed."""
    from alphaforge.data import datasets

    workspace = open_workspace(ctx)
    result = datasets.synthesize(workspace, name=name, symbols=symbols, bars=bars, freq=freq, seed=seed, mode=mode,
                                 replace=replace, use=use)

    def render(r: dict[str, Any]) -> None:
        _render_stored([r])
        if r.get("planted"):
            print_fields("Planted relation", r["planted"])

    emit(result, as_json, render)


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A CSV/Parquet file, or a folder of per-symbol files.")],
    name: Annotated[str | None, typer.Option(help="Dataset name (default: the file or folder name).")] = None,
    column: Annotated[list[str] | None, typer.Option("--column", "-c",
                                                     help="Map a column: CANONICAL=SOURCE, e.g. close=Close.")] = None,
    symbol: Annotated[str | None, typer.Option(help="Symbol for a file without a symbol column.")] = None,
    stamp: Annotated[str, typer.Option(help="Timestamps mark the bar's 'open' or 'close' (end).")] = "close",
    interval: Annotated[str | None, typer.Option(help="Bar length, needed with --stamp open (e.g. 1h).")] = None,
    tz: Annotated[str | None, typer.Option(help="Time zone of naive timestamps (e.g. UTC, America/New_York).")]
    = None,
    kind: Annotated[str, typer.Option(help="'bars' (OHLCV) or 'macro' (series, timestamp, value).")] = "bars",
    replace: Annotated[bool, typer.Option(help="Replace different content under the same name (old kept).")]
    = False,
    use: UseOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import and validate bars (or macro series) from your own files."""
    from alphaforge.data import datasets
    from alphaforge.data.importers import ImportOptions, parse_column_map

    if stamp not in ("open", "close"):
        raise typer.BadParameter("must be 'open' or 'close'", param_hint="--stamp")
    if kind not in ("bars", "macro"):
        raise typer.BadParameter("must be 'bars' or 'macro'", param_hint="--kind")
    options = ImportOptions(column_map=parse_column_map(column or []), symbol=symbol, stamp=stamp,  # type: ignore[arg-type]
                            interval=interval, tz=tz, kind=kind)  # type: ignore[arg-type]
    result = datasets.import_file(open_workspace(ctx), path, name=name, options=options, replace=replace, use=use)
    emit(result, as_json, lambda r: _render_stored([r]))


@app.command("download")
def download(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="'binance' (crypto klines), 'fred' or 'yahoo' (macro series).")],
    pairs: Annotated[list[str] | None, typer.Option("--pairs", help="Binance pairs, e.g. BTCUSDT ETHUSDT.")] = None,
    series: Annotated[list[str] | None, typer.Option("--series", help="FRED ids (VIXCLS, DGS10) or Yahoo symbols "
                                                                     "(SPY, ^VIX, DX-Y.NYB).")] = None,
    interval: Annotated[str, typer.Option(help="Binance kline interval (1m, 5m, 1h, 4h, 1d, ...).")] = "1h",
    start: Annotated[str, typer.Option(help="First date (ISO), e.g. 2021-01-01.")] = "2021-01-01",
    end: Annotated[str | None, typer.Option(help="Last date (ISO); default: now.")] = None,
    name: Annotated[str | None, typer.Option(help="Dataset name (default: binance_<interval> or fred).")] = None,
    more: Annotated[list[str] | None, typer.Argument(help="More pairs/series (so `--pairs A B` works).",
                                                     show_default=False)] = None,
    use: UseOption = False,
    as_json: JsonOption = False,
) -> None:
    """Download bars or macro series; re-running resumes after the last stored bar."""
    from alphaforge.data import datasets

    if more:
        if source == "binance":
            pairs = [*(pairs or []), *more]
        else:
            series = [*(series or []), *more]
    workspace = open_workspace(ctx)
    with progress() as bar:
        tasks: dict[str, Any] = {}

        def on_page(label: str, fraction: float) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(f"download {label}", total=100)
            bar.update(tasks[label], completed=round(fraction * 100))

        result = datasets.download(workspace, source, pairs=pairs, series=series, interval=interval, start=start,
                                   end=end, name=name, on_progress=on_page, use=use)
    emit(result, as_json, lambda r: _render_stored([r]))


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the datasets in the workspace's raw store."""
    from alphaforge.data import datasets

    result = datasets.list_datasets(open_workspace(ctx))

    def render(r: dict[str, Any]) -> None:
        if not r["datasets"]:
            stdout.print("No data yet. Try `alphaforge data demo`.")
            return
        print_table("Datasets", r["datasets"], ["dataset", "kind", "version", "rows", "keys", "start", "end",
                                                "versions"])

    emit(result, as_json, render)


@app.command("show")
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="A symbol (or macro series), or a dataset name.")],
    dataset: Annotated[str | None, typer.Option(help="Look only in this dataset.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Summarise a symbol (rows, range, gaps, missing values), or every symbol of a dataset."""
    from alphaforge.data import datasets

    workspace = open_workspace(ctx)
    store = datasets.raw_store(workspace)
    is_symbol = any(key in store.current(name).keys for name in store.names())
    if dataset is None and key in store.names() and not is_symbol:
        result = datasets.describe_dataset(workspace, key)
        emit(result, as_json, lambda r: print_table(f"{key}", r["summaries"],
                                                    [c for c in r["summaries"][0] if c not in
                                                     ("largest_gaps", "missing_values", "columns")]))
        return
    result = datasets.show_key(workspace, key, dataset=dataset)

    def render(r: dict[str, Any]) -> None:
        print_fields(f"{key} in {r['dataset']}", {k: v for k, v in r.items()
                                                   if k not in ("largest_gaps", "missing_values")})
        if r["largest_gaps"]:
            print_table("Largest gaps", r["largest_gaps"])
        print_fields("Missing values", r["missing_values"] or {"-": 0})

    emit(result, as_json, render)
