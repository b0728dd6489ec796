"""`alphaforge meta build-dataset | train`: meta-model datasets and training; the render of
`alphaforge backtest --use-meta-model` lives here too, beside its options.

The meta-model library is imported inside the commands; their options' choices come from
:mod:`alphaforge.choices`, so `--help` loads neither numpy nor pandas."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alphaforge.choices import CALIBRATIONS, LABEL_TYPES, META_FAMILIES, META_STRATEGIES
from alphaforge.cli._common import (
    ExperimentNameOption,
    ExperimentTagsOption,
    JsonOption,
    TrackOption,
    command_group,
    emit,
    open_tracked,
    open_workspace,
    print_fields,
    print_table,
    split_list,
    stdout,
)
from alphaforge.errors import InputError

app = command_group("Meta-models: learn which of a base strategy's signals succeed.")

_STRATEGIES = ", ".join(META_STRATEGIES)
StrategyOption = Annotated[str | None, typer.Option("--strategy", help=f"Base strategy: {_STRATEGIES}.")]
FreqOption = Annotated[str, typer.Option("--freq", help="Bar frequency of the data, e.g. 1d, 1h.")]
StartOption = Annotated[str | None, typer.Option("--start-date", help="First signal date (ISO; default: all).")]
EndOption = Annotated[str | None, typer.Option("--end-date", help="Last signal date (ISO; default: all).")]
SymbolsOption = Annotated[list[str] | None, typer.Option("--symbols", help="Symbols (repeat or comma-separate; "
                                                                           "overrides --universe).")]
MoreSymbolsArgument = Annotated[list[str] | None, typer.Argument(
    help="More symbols, so that `--symbols AAPL MSFT GOOGL` works.", show_default=False)]
UniverseOption = Annotated[Path | None, typer.Option("--universe", help="File of symbols, one a line.")]
HorizonDaysOption = Annotated[float | None, typer.Option("--label-horizon-days", min=0,
                                                         help="Label horizon in days (default: 10 bars).")]
HorizonBarsOption = Annotated[int | None, typer.Option("--label-horizon-bars", min=1, help="Label horizon in bars.")]
ThresholdOption = Annotated[float, typer.Option("--success-threshold", min=0,
                                                help="Return a trade must make to succeed (0.02 = 2 %).")]
LabelTypeOption = Annotated[str, typer.Option("--label-type", help=f"One of: {', '.join(LABEL_TYPES)}.")]


def _source(strategy: str | None, freq: str, start: str | None, end: str | None, symbols: list[str] | None,
            more_symbols: list[str] | None, universe: Path | None, horizon_days: float | None,
            horizon_bars: int | None, threshold: float, label_type: str) -> dict[str, Any]:
    """Where a meta dataset's signals come from: the symbols are --symbols and the words after it."""
    named = [*(symbols or []), *(more_symbols or [])]
    return {"strategy": strategy, "freq": freq, "start": start, "end": end,
            "symbols": split_list(",".join(named)) if named else None, "universe": universe,
            "horizon_days": horizon_days, "horizon_bars": horizon_bars, "threshold": threshold,
            "label_type": label_type}


@app.command("build-dataset")
def build_dataset(
    ctx: typer.Context,
    strategy: Annotated[str, typer.Option("--strategy", help=f"Base strategy: {_STRATEGIES}.")],
    freq: FreqOption = "1d",
    start: StartOption = None,
    end: EndOption = None,
    symbols: SymbolsOption = None,
    more_symbols: MoreSymbolsArgument = None,
    universe: UniverseOption = None,
    horizon_days: HorizonDaysOption = None,
    horizon_bars: HorizonBarsOption = None,
    threshold: ThresholdOption = 0.02,
    label_type: LabelTypeOption = "binary_absolute",
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    output_path: Annotated[Path | None, typer.Option("--output-path", help="Output file (default: "
                                                     "meta/datasets/STRATEGY_FREQ.FORMAT).")] = None,
    as_json: JsonOption = False,
) -> None:
    """One row per base-strategy signal: features at signal time, label, realised return, t1."""
    from alphaforge.meta import workflow

    workspace = open_workspace(ctx)
    result = workflow.build_dataset(workspace, fmt=fmt, output_path=output_path,
                                    **_source(strategy, freq, start, end, symbols, more_symbols, universe,
                                              horizon_days, horizon_bars, threshold, label_type))

    def render(r: dict[str, Any]) -> None:
        print_fields(f"Meta dataset ({r['strategy']}, {r['label']['label_type']}, horizon {r['label']['horizon']} "
                     "bars)", {k: v for k, v in r.items() if k not in ("label", "notices", "strategy")})

    emit(result, as_json, render)


@app.command("train")
def train(
    ctx: typer.Context,
    dataset_path: Annotated[Path | None, typer.Option("--dataset-path", help="A meta dataset file (else "
                                                                             "--strategy builds one now).")] = None,
    strategy: StrategyOption = None,
    freq: FreqOption = "1d",
    start: StartOption = None,
    end: EndOption = None,
    symbols: SymbolsOption = None,
    more_symbols: MoreSymbolsArgument = None,
    universe: UniverseOption = None,
    horizon_days: HorizonDaysOption = None,
    horizon_bars: HorizonBarsOption = None,
    threshold: ThresholdOption = 0.02,
    label_type: LabelTypeOption = "binary_absolute",
    model_type: Annotated[str, typer.Option("--model-type", help=f"One of: {', '.join(META_FAMILIES)}.")]
    = "gradient_boosting",
    calibration: Annotated[str, typer.Option("--calibration", help=f"One of: {', '.join(CALIBRATIONS)} (fitted "
                                                                   "inside each training fold).")] = "sigmoid",
    output_model_path: Annotated[Path | None, typer.Option("--output-model-path", help="New folder for the model "
                                                           "(default: models/meta/STRATEGY/vN); X.joblib names the "
                                                           "folder X (no pickles).")] = None,
    experiment_name: ExperimentNameOption = None,
    experiment_tags: ExperimentTagsOption = None,
    track: TrackOption = True,
    as_json: JsonOption = False,
) -> None:
    """Purged CV over the signals (ROC-AUC, PR-AUC, Brier, log loss), calibration plot, safe save."""
    from alphaforge.meta import workflow

    if dataset_path is None and strategy is None:
        raise InputError("neither --dataset-path nor --strategy given", where="meta train",
                         fix="pass --dataset-path FILE, or --strategy NAME to build the dataset now")
    workspace, _, tracker = open_tracked(ctx, track, experiment_name, experiment_tags)
    source = {} if dataset_path is not None else _source(strategy, freq, start, end, symbols, more_symbols,
                                                          universe, horizon_days, horizon_bars, threshold, label_type)
    result = workflow.train(workspace, dataset_path=dataset_path, model_type=model_type, calibration=calibration,
                            output_model_path=output_model_path, tracker=tracker, **source)

    def render(r: dict[str, Any]) -> None:
        print_table(f"Purged CV folds ({r['model_type']}, calibration {r['calibration']})", r["folds"])
        print_fields("Meta-model metrics (out of fold)", r["metrics"])
        stdout.print(f"Model saved to: {r['path']}\nCalibration plot: {r['calibration_plot']}")

    emit(result, as_json, render)


def render_meta_backtest(result: dict[str, Any]) -> None:
    """The side-by-side table of `alphaforge backtest --use-meta-model`."""
    print_table(f"Backtest {result['name']}: base vs meta ({result['mode']}, min confidence "
                f"{result['min_confidence']}), {result['start'][:10]} .. {result['end'][:10]}", result["comparison"])
    print_fields("Signals (scored out of sample)", result["signals"])
    written = f"Written: {result['directory']} (base/, meta/, equity.png, comparison.json)"
    stdout.print(written + (f"\nReport: {result['report']}" if result.get("report") else ""))
