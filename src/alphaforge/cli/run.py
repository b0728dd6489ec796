"""`alphaforge run | predict | backtest`: the main job and its consumers.

Libraries are imported inside the commands: a cached `alphaforge run` must start fast.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from alphaforge.cli._common import (
    ExecutorOption,
    ExperimentNameOption,
    ExperimentTagsOption,
    JsonOption,
    RayAddressOption,
    TrackOption,
    WorkersOption,
    emit,
    notice,
    open_project,
    open_workspace,
    print_fields,
    print_table,
    print_verdicts,
    reporting,
    stderr,
    stdout,
)
from alphaforge.heap import return_freed_memory

ModelPathOption = Annotated[Path | None, typer.Option("--model-path", help="A model folder (default: the latest "
                                                                          "final model, then extended-CV, then tuning "
                                                                          "checkpoint).")]
_METRICS = ("total_return", "annual_return", "sharpe", "sortino", "max_drawdown", "hit_rate", "n_trades", "psr")


def _comparison(summary: dict[str, Any]) -> list[dict[str, Any]]:
    bench = summary.get("benchmark_metrics") or {}
    return [{"metric": k, "strategy": summary["metrics"].get(k), "benchmark": bench.get(k)} for k in _METRICS]


_FOLD_COLUMNS = {"fold": "fold", "train_rows": "train rows", "test_start": "from", "test_end": "to",
                 "rounds": "rounds", "ic": "ic", "pooled_ic": "pooled ic", "auc": "auc", "log_loss": "log loss"}
_SYSTEM_COLUMNS = ("system", "ic", "t", "icir", "q_spread", "turnover", "hit_rate", "pooled_ic")


def _stage_notices(summaries: dict[str, Any]) -> list[str]:
    """Notices the stages recorded (tuned configuration used, leak flags, skipped baselines...)."""
    lines = [line for name in ("walk_forward", "train", "backtest") for line in summaries.get(name, {}).get("notices", [])]
    flags = summaries.get("leakage_check", {}).get("flagged", [])
    lines += [f"left out by the truncation test: {f['feature']} ({f['reason']})" for f in flags]
    return list(dict.fromkeys(lines))


def print_walk_forward(walk: dict[str, Any]) -> None:
    """The walk-forward's folds, then the model beside its baselines on the same out-of-sample rows."""
    folds = [{label: (str(fold[key])[:10] if key in ("test_start", "test_end") else fold[key])
              for key, label in _FOLD_COLUMNS.items() if key in fold} for fold in walk["folds"]]
    print_table(f"Walk-forward by fold ({walk['target']}, {walk['family']})", folds)
    table = (walk.get("evaluation") or {}).get("table", [])
    if table:
        print_table("Out of sample: the model beside the simplest factors (same rows)", table,
                    [c for c in _SYSTEM_COLUMNS if any(c in row for row in table)])


def run(
    ctx: typer.Context,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run just this stage (repeatable); its inputs "
                                                                 "must exist.")] = None,
    start_from: Annotated[str | None, typer.Option("--from", help="Recompute this stage and every later one.")]
    = None,
    force_refresh: Annotated[bool, typer.Option("--force-refresh", help="Recompute every stage.")] = False,
    auto_targets: Annotated[bool, typer.Option("--auto-targets", help="Rank targets and plan before training.")]
    = False,
    auto_features: Annotated[bool, typer.Option("--auto-features", help="Select features per target (with "
                                                                       "--auto-targets: leakage flags, plan).")]
    = False,
    top_n_targets: Annotated[int | None, typer.Option("--top-n-targets", min=1, help="Targets kept by the "
                                                                                    "ranking.")] = None,
    skip_training: Annotated[bool, typer.Option("--skip-training", help="Stop after the plan (no training).")]
    = False,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    ray_address: RayAddressOption = None,
    experiment_name: ExperimentNameOption = None,
    experiment_tags: ExperimentTagsOption = None,
    track: TrackOption = True,
    as_json: JsonOption = False,
) -> None:
    """Everything, cached: features → targets → (plan) → (tuning) → walk-forward CV → train → predict →
    backtest → report. The walk-forward's folds run on local workers when the machine affords
    them; --executor runs them and the plan's jobs on the one named, --workers 1 serially (the
    same results every way)."""
    from alphaforge.executors import make_executor
    from alphaforge.report.run_report import REPORT_PATH

    project, tracker = open_project(ctx, track, experiment_name, experiment_tags)
    workspace = project.workspace
    started = time.perf_counter()

    def on_stage(stage: Any, status: str) -> None:
        if status == "running":
            stderr.print(f"[bold]▶ {stage.name}[/bold] [dim]{stage.description}[/dim]", highlight=False)

    parallel = executor is not None or workers is not None or ray_address is not None
    with (make_executor(executor or "local", workers, ray_address) if parallel else nullcontext()) as pool, \
            reporting() as report:
        result = project.run(only=only, start_from=start_from, force=force_refresh,
                             auto_targets=auto_targets or auto_features, top_n_targets=top_n_targets,
                             skip_training=skip_training, tracker=tracker, on_stage=on_stage, progress=report,
                             executor=pool)
    result["seconds"] = round(time.perf_counter() - started, 2)
    if "report" in result["summaries"]:  # --skip-training and --only stop before it: announce what exists
        result["report"] = str((workspace.root / REPORT_PATH).resolve())
    result["notices"] = list(getattr(tracker, "notices", []))

    def render(r: dict[str, Any]) -> None:
        summaries = r["summaries"]
        for line in _stage_notices(summaries):
            notice(line)
        walk = summaries.get("walk_forward")
        if walk:
            print_walk_forward(walk)
        train = summaries.get("train")
        if train:
            print_fields("Final model", {"name": train["name"], "version": train["version"],
                                         "rounds": train.get("best_iteration"), **{
                                             f"validation {k}": v for k, v in train["metrics"].get("validation", {})
                                             .items() if k in ("ic", "pooled_ic", "auc", "log_loss", "accuracy")}})
        back = summaries.get("backtest")
        if back:
            print_table(f"Backtest ({back['strategy']}, out of sample) vs benchmark", _comparison(back))
        print_table("Stages", r["stages"])
        acceptance = (summaries.get("train") or {}).get("acceptance") or []
        print_verdicts([{**row, "warning": not row["passed"]} for row in acceptance], "Acceptance")
        for name, heading in (("walk_forward", "Out of sample"), ("train", "Final model"), ("backtest", "Backtest")):
            shown = summaries.get(name, {}).get("verdicts") or (summaries.get(name, {}).get("evaluation") or {}).get(
                "verdicts", [])
            print_verdicts(shown if name != "backtest" else shown[-1:], heading)
        plan = summaries.get("training_plan", {}).get("path")
        written = f" Report: {r['report']}" if r.get("report") else (f" Training plan: {plan}" if plan else "")
        stdout.print(f"Done in {r['seconds']} s.{written}", highlight=False)

    emit(result, as_json, render)


def predict(
    ctx: typer.Context,
    symbol: Annotated[list[str] | None, typer.Option("--symbol", "-s", help="Symbols to predict (repeatable; "
                                                                             "default: the model's).")] = None,
    bars: Annotated[int | None, typer.Option(min=1, help="Most recent bars per symbol, counted from its own last "
                                                         "bar (default: [predict] bars).")] = None,
    hours: Annotated[float | None, typer.Option(min=0, help="Score each symbol's last HOURS instead of --bars.")]
    = None,
    setup_file: Annotated[Path | None, typer.Option("--setup-file", help="Predict these held-out setups from "
                                                                        "their preserved features.")] = None,
    model_path: ModelPathOption = None,
    name: Annotated[str, typer.Option(help="Output name: predictions/NAME.{parquet,csv,png} and the charts in "
                                           "predictions/NAME/.")] = "latest",
    chart: Annotated[str, typer.Option(help="When the charts are drawn: background (by a detached process once "
                                            "the predictions are written; they appear seconds after the command "
                                            "returns), wait (before it returns) or none.")] = "background",
    as_json: JsonOption = False,
) -> None:
    """Score the most recent bars through the shared feature path; write predictions and charts."""
    workspace = open_workspace(ctx)
    if setup_file is not None:
        from alphaforge.store.predict import predict_setups

        result = predict_setups(workspace, setup_file, model_path=model_path)
        emit(result, as_json, lambda r: print_fields("Setup predictions", {k: v for k, v in r.items()
                                                                           if not isinstance(v, (list, dict))}))
        return
    return_freed_memory()  # issue 17: predict within 200 MB
    project, _ = open_project(ctx)
    with (reporting() if chart == "wait" else nullcontext()) as report:  # the charts drawn before it returns
        result = project.predict(model_path=model_path, symbols=symbol, bars=bars, hours=hours, name=name,
                                 chart=chart, progress=report)

    def render(r: dict[str, Any]) -> None:
        print_table(f"Latest signals ({r['title']}; {r['rule']} rule)", r["latest"])
        stdout.print("Written:\n" + "\n".join(f"  {line}" for line in r["written"]))

    emit(result, as_json, render)


def backtest(
    ctx: typer.Context,
    strategy: Annotated[str | None, typer.Option(help="model (walk-forward predictions), trend_baseline, "
                                                      "mean_reversion (default: [backtest] strategy).")] = None,
    model_path: ModelPathOption = None,
    walk_forward: Annotated[bool, typer.Option("--walk-forward/--no-walk-forward",
                                               help="Model predictions from walk-forward refits (default), or from "
                                                    "one trained model (refused where its training overlaps).")]
    = True,
    as_live: Annotated[bool, typer.Option("--as-live", help="Trade what `alphaforge live` would have: retrain on "
                                                            "[live] retrain_every from [live] start, novel rows "
                                                            "flat.")] = False,
    start: Annotated[str | None, typer.Option(help="First bar traded (ISO date).")] = None,
    end: Annotated[str | None, typer.Option(help="Last bar traded (ISO date).")] = None,
    name: Annotated[str | None, typer.Option(help="Output folder backtests/NAME (default: the strategy).")] = None,
    use_meta_model: Annotated[bool, typer.Option("--use-meta-model", help="Backtest the strategy and its "
                                                 "meta-model-adjusted version side by side (walk-forward meta "
                                                 "predictions, out of sample).")] = False,
    meta_model_path: Annotated[Path | None, typer.Option("--meta-model-path", help="Meta-model folder (default: "
                                                         "the latest trained for the strategy).")] = None,
    meta_ensemble_mode: Annotated[str, typer.Option("--meta-ensemble-mode", help="filter (skip signals below the "
                                                    "confidence) or size (scale by a bet size).")] = "filter",
    meta_min_confidence: Annotated[float, typer.Option("--meta-min-confidence", min=0, max=1,
                                                       help="Meta probability a signal needs to be taken.")] = 0.5,
    generate_report: Annotated[bool, typer.Option("--generate-report", help="With --use-meta-model: write "
                                                  "reports/NAME.html.")] = False,
    freq: Annotated[str | None, typer.Option("--freq", help="Bar length the data must have, e.g. 1d (checked "
                                                            "against [data] dataset; default: not checked).")] = None,
    experiment_name: ExperimentNameOption = None,
    experiment_tags: ExperimentTagsOption = None,
    track: TrackOption = True,
    as_json: JsonOption = False,
) -> None:
    """Backtest with next-bar execution, fees and slippage, against the benchmark."""
    project, tracker = open_project(ctx, track, experiment_name, experiment_tags)
    workspace, config = project.workspace, project.config
    if freq is not None:  # the seeds pass the data's frequency: a dataset of other bars is refused, not traded
        from alphaforge.data.datasets import load_bars
        from alphaforge.meta.dataset import check_frequency

        check_frequency(load_bars(workspace, config), freq, config.data.dataset)
    if use_meta_model:
        from alphaforge.cli.meta import render_meta_backtest
        from alphaforge.meta.workflow import backtest_with_meta

        emit(backtest_with_meta(workspace, strategy=strategy, meta_model_path=meta_model_path,
                                mode=meta_ensemble_mode, min_confidence=meta_min_confidence, start=start, end=end,
                                name=name, generate_report=generate_report, tracker=tracker),
             as_json, render_meta_backtest)
        return
    with reporting() as report:
        result = project.backtest(strategy=strategy, model_path=model_path, walk_forward=walk_forward, start=start,
                                  end=end, name=name, tracker=tracker, progress=report, as_live=as_live)

    def render(r: dict[str, Any]) -> None:
        print_table(f"Backtest {r['name']} ({r['strategy']}) vs benchmark", _comparison(r))
        stdout.print(f"Written: {r['directory']} (equity.png, trades.csv, metrics.json)")
        print_verdicts(r.get("verdicts", [])[:-1], "Walk-forward")
        print_verdicts(r.get("verdicts", [])[-1:], "Backtest")

    emit(result, as_json, render)
