"""`alphaforge features ...`: list the registered features, build (and cache) the configured set,
and find the fractional-differencing order each symbol needs (`features fracdiff`).

The feature library (pandas, numpy) is imported inside the commands: `--help` must not load it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from alphaforge.cli._common import (
    FeaturesOption,
    JsonOption,
    SymbolsOption,
    command_group,
    emit,
    notices_of,
    open_workspace,
    print_fields,
    print_table,
    split_list,
)

if TYPE_CHECKING:
    import pandas as pd

    from alphaforge.config import Config
    from alphaforge.workspace import Workspace

app = command_group("The feature registry and the cached feature build.")


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
    from alphaforge.data.datasets import load_inputs
    from alphaforge.features import configured_spec

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
    from alphaforge.features import REGISTRY, resolve_features

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
    """Compute the feature set for the configured data, reusing every feature already cached.

    Without ``--features``: the configured set and the columns models train on (on a panel, the
    features' cross-sectional ranks ``xsr_*``; see ``[models] feature_transform``)."""
    from alphaforge.features.cache import FeatureCache
    from alphaforge.models.panel import features_to_build

    with feature_inputs(ctx, features, symbols) as inputs:
        workspace = inputs.workspace
        spec = inputs.spec if features else features_to_build(inputs.config, inputs.bars["timestamp"])
        with workspace.lock("features build"):
            result = FeatureCache(workspace.features_dir).build(inputs.bars, inputs.macro, spec, since=since)
    summary: dict[str, Any] = {**result.to_dict(), "directory": str(workspace.features_dir),
                               "notices": notices_of(inputs.caught)}

    def render(r: dict[str, Any]) -> None:
        print_fields("Features built", {"rows": r["rows"], "columns": r["columns"], "from cache": len(r["hits"]),
                                        "computed": len(r["computed"]), "skipped": len(r["skipped"]),
                                        "data fingerprint": r["data_fingerprint"][:16], "directory": r["directory"]})

    emit(summary, as_json, render)


@app.command("fracdiff")
def fracdiff(ctx: typer.Context, symbols: SymbolsOption = None, as_json: JsonOption = False) -> None:
    """Per symbol, the smallest order d whose fractionally differenced log close passes an ADF test
    (p < 0.05, d = 0, 0.1, ..., 1), and the px_ffd_* feature closest at or above it; "corr px" is
    the correlation of that series with log close (the memory it keeps).

    A statistic of the whole sample, for choosing a feature: never computed inside one."""
    from alphaforge.data.datasets import load_bars
    from alphaforge.features.fracdiff import (
        ADF_P_VALUE,
        DEFAULT_GRID,
        FFD_THRESHOLD,
        minimum_ffd_orders,
    )

    workspace = open_workspace(ctx)
    bars = load_bars(workspace, symbols=split_list(symbols))
    orders = minimum_ffd_orders(bars)
    result = {"p_value": ADF_P_VALUE, "threshold": FFD_THRESHOLD, "grid": list(DEFAULT_GRID),
              "symbols": [{"symbol": symbol, **order.to_dict()} for symbol, order in orders.items()],
              "notices": [f"{symbol}: too few bars to test d = {', '.join(f'{d:g}' for d in untested)}"
                          for symbol, order in orders.items() if (untested := order.untested_below())]}

    def render(r: dict[str, Any]) -> None:
        rows = []
        for row in r["symbols"]:
            at_d = next((t for t in row["tests"] if t["d"] == row["d"]), None)
            rows.append({"symbol": row["symbol"], "bars": row["bars"], "min d": row["d"], "feature": row["feature"],
                         "ADF p": f"{at_d['p_value']:.2g}" if at_d else None,
                         "corr px": f"{at_d['correlation']:.3g}" if at_d else None})
        print_table(f"Minimum FFD order (ADF p < {r['p_value']:g})", rows,
                    ["symbol", "bars", "min d", "feature", "ADF p", "corr px"])

    emit(result, as_json, render)
