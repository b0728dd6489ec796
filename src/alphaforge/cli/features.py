"""`alphaforge features ...`: list the registered features, build (and cache) the configured set."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
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
from alphaforge.config import Config
from alphaforge.features import REGISTRY, configured_spec, resolve_features
from alphaforge.features.cache import FeatureCache
from alphaforge.workspace import Workspace

app = typer.Typer(help="The feature registry and the cached feature build.", no_args_is_help=True)


@dataclass
class FeatureInputs:
    """What a command over the configured features works on; ``caught`` fills with warnings until the block ends."""

    workspace: Workspace
    config: Config
    spec: list[str]
    bars: pd.DataFrame
    macro: pd.DataFrame | None
    caught: list[warnings.WarningMessage]


@contextmanager
def feature_inputs(ctx: typer.Context, features: str | None, symbols: str | None) -> Iterator[FeatureInputs]:
    """The workspace, its config, the feature spec (``--features`` or the config's) and the loaded inputs,
    recording every warning raised inside the block (``notices_of(inputs.caught)`` afterwards)."""
    workspace = open_workspace(ctx)
    config = workspace.config()
    spec = split_list(features) or configured_spec(config)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bars, macro = load_inputs(workspace, config, symbols=split_list(symbols))
        yield FeatureInputs(workspace, config, spec, bars, macro, caught)

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
    with feature_inputs(ctx, features, symbols) as inputs:
        workspace = inputs.workspace
        with workspace.lock("features build"):
            result = FeatureCache(workspace.features_dir).build(inputs.bars, inputs.macro, inputs.spec, since=since)
    summary: dict[str, Any] = {**result.to_dict(), "directory": str(workspace.features_dir),
                               "notices": notices_of(inputs.caught)}

    def render(r: dict[str, Any]) -> None:
        print_fields("Features built", {"rows": r["rows"], "columns": r["columns"], "from cache": len(r["hits"]),
                                        "computed": len(r["computed"]), "skipped": len(r["skipped"]),
                                        "data fingerprint": r["data_fingerprint"][:16], "directory": r["directory"]})

    emit(summary, as_json, render)
