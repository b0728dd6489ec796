"""`alphaforge backtest`: a strategy on the workspace's bars, with outputs and tracking.

With ``strategy="model"`` the positions come from walk-forward predictions (refits over the
backtest range, see :mod:`alphaforge.pipeline.walkforward`), cached in ``cv/``; with
``walk_forward=False`` a single trained model predicts the whole range, and the backtest is
refused where that range overlaps the model's training range.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from alphaforge.backtest import (
    BacktestResult,
    ModelStrategy,
    make_strategy,
    plot_backtest,
    run_backtest,
)
from alphaforge.config import Config
from alphaforge.names import check_name
from alphaforge.data.datasets import load_bars
from alphaforge.models.registry import resolve_model
from alphaforge.pipeline.best_config import find_tuned
from alphaforge.pipeline.walkforward import load_walk_forward, run_walk_forward, walk_forward_dir
from alphaforge.predict import predict_recent
from alphaforge.predict.signals import rule_from_config
from alphaforge.progress import Progress, counting
from alphaforge.tracking import NullTracker, Tracker
from alphaforge.validation.verdicts import Verdict, backtest_edge, verdict_tags
from alphaforge.workspace import Workspace, atomic_write_json, atomic_write_table

BACKTESTS_DIR = "backtests"
BACKTEST_PROGRESS = "backtest steps"


def _model_strategy(config: Config, predictions: pd.DataFrame, task: str, *, walk_forward_rows: bool,
                    training_range: tuple[object, object] | None) -> ModelStrategy:
    """The model strategy with the configured signal rule, the one `alphaforge predict` applies."""
    return ModelStrategy(predictions, score="score", **asdict(rule_from_config(config, task)),
                         sizing=config.backtest.sizing if task != "regression" else "equal",
                         training_range=training_range, walk_forward=walk_forward_rows)


def _write(workspace: Workspace, name: str, result: BacktestResult, extra: dict[str, Any]) -> dict[str, Any]:
    folder = workspace.subdir(BACKTESTS_DIR) / name
    plot = plot_backtest(result, folder / "equity.png")
    equity = pd.DataFrame({"timestamp": result.equity.index, "equity": result.equity.to_numpy()})
    if result.benchmark_equity is not None:
        equity["benchmark"] = result.benchmark_equity.to_numpy()
    atomic_write_table(equity, folder / "equity")
    atomic_write_table(result.trades, folder / "trades")
    summary = {"name": name, "metrics": result.metrics, "benchmark_metrics": result.benchmark_metrics,
               "directory": workspace.relative(folder), "plot": workspace.relative(plot), "trades": len(result.trades), **extra}
    atomic_write_json(folder / "metrics.json", summary)
    return summary


def backtest(workspace: Workspace, *, strategy: str | None = None, model_path: Path | None = None,
             walk_forward_refits: bool = True, start: str | None = None, end: str | None = None,
             name: str | None = None, target: str | None = None, family: str | None = None,
             tracker: Tracker | None = None, progress: Progress | None = None, config: Config | None = None,
             as_live: bool = False) -> dict[str, Any]:
    """Backtest the configured (or given) strategy; returns a summary with metrics vs the benchmark
    and the verdicts (the walk-forward's on its predictions, and whether the Sharpe ratio is luck).

    ``as_live`` trades the signals of the as-live walk-forward instead (retrained on ``[live]
    retrain_every``, novel rows without a signal: :mod:`alphaforge.pipeline.as_live`), the
    positions the live loop would have taken.

    With walk-forward refits, ``target`` and ``family`` pick the walk-forward predictions (default
    ``[models]``, with the workspace's tuned configuration when there is one for that target).
    """
    if name is not None:
        check_name(name, where="name (--name)")  # backtests/NAME stays inside backtests/
    config = config or workspace.config()
    with workspace.lock(f"backtest {name or strategy or config.backtest.strategy}"):
        return _backtest(workspace, config, strategy=strategy or config.backtest.strategy, model_path=model_path,
                         walk_forward_refits=walk_forward_refits, start=start, end=end, name=name, target=target,
                         family=family, tracker=tracker, progress=progress, as_live=as_live)


def _backtest(workspace: Workspace, config: Config, *, strategy: str, model_path: Path | None,
              walk_forward_refits: bool, start: str | None, end: str | None, name: str | None, target: str | None,
              family: str | None, tracker: Tracker | None, progress: Progress | None,
              as_live: bool = False) -> dict[str, Any]:
    """The backtest itself (the caller holds the workspace lock); ``progress`` hears its steps
    (positions, simulation, files and chart, tracking) and the walk-forward's folds it runs."""
    step = counting(progress, BACKTEST_PROGRESS, 4)
    bars = load_bars(workspace, config)
    extra: dict[str, Any] = {"strategy": strategy}
    verdicts: list[dict[str, Any]] = []
    out_of_sample: dict[str, float] = {}
    if strategy == "model":
        if as_live:
            from alphaforge.pipeline.as_live import run_as_live_walk_forward

            walked = run_as_live_walk_forward(workspace, config, target=target, family=family, progress=progress)
            # [data] end is where the live loop (and the first model) stopped learning: trade past it
            bars = load_bars(workspace, config.model_copy(update={"data": config.data.model_copy(update={"end": ""})}))
            predictions = pd.read_parquet(workspace.root / walked["files"][0])
            # the positions are the loop's signals: traded as they are (+1 long, -1 short, 0 flat)
            chosen = ModelStrategy(predictions, score="signal", rule="threshold", direction="long_short",
                                   long_above=0.5, short_below=-0.5, walk_forward=True)
            extra.update(target=walked["target"], family=walked["family"], source="as-live walk-forward",
                         retrains=walked["retrains"], continued_retrains=walked["continued"],
                         schedule=walked["schedule"], novel_rows=walked["novel_rows"])
        elif walk_forward_refits and model_path is None:
            tuned, notices = find_tuned(workspace, config)
            settings = tuned.settings if tuned and target is None else {}
            target = target or settings.get("target") or config.models.target
            family = family or settings.get("family") or config.models.family
            cached = load_walk_forward(workspace, target, family)
            if cached is None:
                run_walk_forward(workspace, config, **{**settings, "target": target, "family": family},
                                 progress=progress)
                cached = load_walk_forward(workspace, target, family)
            assert cached is not None
            predictions, folds = cached
            chosen = _model_strategy(config, predictions, folds.task, walk_forward_rows=True, training_range=None)
            extra.update(target=folds.target, family=family, source="walk-forward refits",
                         folds=len(folds.folds), notices=notices)
            evaluation = folds.evaluation
            verdicts = list(evaluation.get("verdicts", []))
            out_of_sample = {f"oos.{row['system']}.{key}": row[key] for row in evaluation.get("table", [])
                             for key in ("ic", "t", "pooled_ic") if isinstance(row.get(key), (int, float))}
        else:
            resolved = resolve_model(workspace.root, model_path)
            span = resolved.card.training_range
            every = len(pd.DatetimeIndex(bars["timestamp"].unique()))
            predictions = predict_recent(workspace, resolved, bars=every, config=config).frame
            chosen = _model_strategy(config, predictions, resolved.model.task, walk_forward_rows=False,
                                     training_range=(span.start, span.end) if span else None)
            extra.update(target=resolved.card.target.name, source=str(resolved.path))
        start = start or str(predictions["timestamp"].min())
        traded = sorted(pd.unique(predictions["symbol"]).astype(str))
        bars = bars[bars["symbol"].isin(traded)].reset_index(drop=True)  # the benchmark holds what the model trades
        extra["symbols"] = traded
    else:
        chosen = make_strategy(strategy)
    step("positions")
    result = run_backtest(bars, chosen, fees_bps=config.backtest.fees_bps, slippage_bps=config.backtest.slippage_bps,
                          benchmark=config.backtest.benchmark, start=start, end=end)
    step("simulation")
    name = name or strategy
    luck = backtest_edge(result.metrics.get("psr"), result.metrics.get("dsr"))
    extra["verdicts"] = [*verdicts, luck.to_dict()]
    notices = extra.pop("notices", [])
    summary = _write(workspace, name, result, extra)
    step("files")
    tracker = tracker or NullTracker()
    with tracker.run("backtest", run_name=f"backtest {name}") as run:
        run.log_params({"backtest": config.backtest.model_dump(mode="json"), "strategy": strategy, **{
            k: v for k, v in extra.items() if isinstance(v, (str, int, float))}})
        run.log_metrics({k: float(v) for k, v in result.metrics.items() if isinstance(v, (int, float)) and v == v}
                        | out_of_sample)
        run.set_tags(verdict_tags([Verdict(**v) for v in extra["verdicts"]]))
        run.log_artifacts(workspace.root / summary["directory"], "backtest")
        if out_of_sample:  # the tear sheet, its charts and the verdicts of the predictions traded
            run.log_artifacts(walk_forward_dir(workspace, str(extra["target"]), str(family)), "walk_forward")
    step("tracking")
    summary["run_id"] = run.run_id
    summary["notices"] = [*notices, *getattr(tracker, "notices", [])]
    return summary
