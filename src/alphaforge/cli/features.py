"""`alphaforge features ...`: list the registered features, build (and cache) the configured set."""

from __future__ import annotations

import warnings
from typing import Annotated, Any

import typer

from alphaforge.cli._common import (
    FeaturesOption,
    JsonOption,
    SymbolsOption,
    emit,
    notices_of,
    open_workspace,
    print_fields,
    print_table,
    split_list,
)
from alphaforge.data.datasets import load_inputs
from alphaforge.features import REGISTRY, combine_spec, resolve_features
from alphaforge.features.cache import FeatureCache

app = typer.Typer(help="The feature registry and the cached feature build.", no_args_is_help=True)

@app.command("list")
def list_(
    spec: Annotated[str | None, typer.Argument(help="Only these names, groups or patterns (default: all).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every registered feature: group, inputs, lookback (warm-up bars), parameters, description."""
    features = resolve_features(spec) if spec else list(REGISTRY)
    rows = [f.to_dict() for f in features]
    emit({"count": len(rows), "features": rows}, as_json,
         lambda r: print_table(f"{r['count']} features", r["features"],
                               ["name", "group", "inputs", "lookback", "params", "description"]))


@app.command("build")
def build(
    ctx: typer.Context,
    features: FeaturesOption = None,
    symbols: SymbolsOption = None,
    since: Annotated[str | None, typer.Option(help="Only rows from this time on (UTC), reading the warm-up before it.")]
    = None,
    as_json: JsonOption = False,
) -> None:
    """Compute the feature set for the configured data, reusing every feature already cached."""
    workspace = open_workspace(ctx)
    config = workspace.config()
    spec = split_list(features) or combine_spec(config.features.include, config.features.exclude)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bars, macro = load_inputs(workspace, config, symbols=split_list(symbols))
        with workspace.lock("features build"):
            result = FeatureCache(workspace.features_dir).build(bars, macro, spec, since=since)
    summary: dict[str, Any] = {**result.to_dict(), "directory": str(workspace.features_dir),
                               "notices": notices_of(caught)}

    def render(r: dict[str, Any]) -> None:
        print_fields("Features built", {"rows": r["rows"], "columns": r["columns"], "from cache": len(r["hits"]),
                                        "computed": len(r["computed"]), "skipped": len(r["skipped"]),
                                        "data fingerprint": r["data_fingerprint"][:16], "directory": r["directory"]})

    emit(summary, as_json, render)
