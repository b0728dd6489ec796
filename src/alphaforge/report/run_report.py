"""The HTML report of `alphaforge run`: the verdicts first, then data, features, the out-of-sample
tear sheet beside the baselines, CV by fold, final model, prediction chart, backtest against
the benchmark, and how much of the Sharpe ratio could be luck."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alphaforge.artifacts import CARD_FILE, ModelCard, TrialResults
from alphaforge.config import Config
from alphaforge.report.html import HtmlReport
from alphaforge.workspace import Workspace

REPORT_PATH = "reports/report.html"
BACKTEST_KEYS = ("total_return", "annual_return", "volatility", "sharpe", "sortino", "calmar", "max_drawdown",
                 "max_drawdown_duration_bars", "hit_rate", "turnover", "exposure", "n_trades", "psr", "dsr")


def _model_features(model_dir: Path | None) -> list[str]:
    """The ordered features of the final model in ``model_dir`` (none when the run trained none)."""
    return ModelCard.load(model_dir / CARD_FILE).features if model_dir else []


def _trials(workspace: Workspace) -> int:
    """Configurations tried on this data: tuning trials when a study ran, else the one model."""
    counted = sum(len(TrialResults.load(results).trials)
                  for results in workspace.subdir("tuning").glob("*/trial_results.json"))
    return max(counted, 1)


def write_run_report(workspace: Workspace, summaries: dict[str, dict[str, Any]], config: Config | None = None) -> Path:
    """Assemble ``reports/report.html`` from the stages' summaries and files."""
    root = workspace.root
    report = HtmlReport("AlphaForge run report")
    walk, train, back = (summaries.get(name, {}) for name in ("walk_forward", "train", "backtest"))
    evaluation = walk.get("evaluation") or {}
    report.heading("Verdict")
    report.verdicts(evaluation.get("verdicts", []), "Out of sample")
    report.verdicts(train.get("verdicts", []), "Final model")
    report.verdicts(back.get("verdicts", [])[-1:], "Backtest")
    features = summaries.get("features", {})
    report.heading("Data")
    report.fields({"dataset": (config or workspace.config()).data.dataset, "symbols": features.get("symbols"),
                   "rows": features.get("rows"), "from": features.get("start"), "to": features.get("end")})
    for notice in features.get("notices", []):
        report.note(notice)

    model_dir = Path(train["path"]) if train.get("path") else None
    used = _model_features(model_dir)
    report.heading("Features used")
    report.note(f"{len(used)} features, in the model's order:")
    report.note(", ".join(used))

    _tear_sheet(report, root, walk, evaluation)
    report.heading("Walk-forward cross-validation (out of sample, by fold)")
    report.note(f"target {walk.get('target')}, family {walk.get('family')}, task {walk.get('task')}: each fold "
                "trains only on rows whose labels are known before its test window (purged on label end times).")
    report.table(walk.get("folds", []))
    report.table([{"metric": k, **v} for k, v in walk.get("summary", {}).items()], caption="mean and std over folds")

    report.heading("Final model")
    report.fields({"name": train.get("name"), "version": train.get("version"), "family": train.get("family"),
                   "rows": train.get("rows"), "best iteration": train.get("best_iteration")})
    report.table([{"split": part, **values} for part, values in train.get("metrics", {}).items()],
                 caption="train/validation: best model with early stopping; final_in_sample: refit on all rows")
    if model_dir:
        for plot in sorted((model_dir / "plots").glob("*.png")):
            report.image(plot, plot.stem.replace("_", " "))

    report.heading("Latest predictions")
    report.table(summaries.get("predict", {}).get("latest", []))
    report.image(root / "predictions" / "latest.png", "price with buy/sell markers and the signal strength")

    report.heading("Backtest (walk-forward predictions only) against the benchmark")
    metrics, bench = back.get("metrics", {}), back.get("benchmark_metrics") or {}
    report.table([{"metric": k, "strategy": metrics.get(k), "benchmark": bench.get(k)} for k in BACKTEST_KEYS])
    if back.get("directory"):
        report.image(root / back["directory"] / "equity.png", "equity and drawdown, strategy vs benchmark")
    trials = _trials(workspace)
    report.heading("How much of the Sharpe ratio is luck")
    report.fields({"probabilistic Sharpe ratio (P[true SR > 0])": metrics.get("psr"), "trials counted": trials,
                   "deflated Sharpe ratio": metrics.get("dsr")})
    if trials == 1:
        report.note("One configuration was tried, so there was no selection to deflate for: the deflated Sharpe "
                    "ratio would equal the probabilistic one.")
    elif metrics.get("dsr") is None:
        report.note(f"{trials} configurations were tried, but their Sharpe ratios were not recorded (tune with "
                    "metric = \"sharpe\" to record them), so the deflated Sharpe ratio cannot be computed: read the "
                    "probabilistic Sharpe ratio as an upper bound.")
    else:
        report.note(f"The deflated Sharpe ratio discounts the best of the {trials} configurations tried for luck.")
    return report.write(root / REPORT_PATH)


def _tear_sheet(report: HtmlReport, root: Path, walk: dict[str, Any], evaluation: dict[str, Any]) -> None:
    """The model's out-of-sample tear sheet beside its baselines, with its charts."""
    report.heading("Out of sample: the model beside the simplest factors (same rows)")
    report.note("ic: mean per-timestamp rank IC across symbols (one symbol: the IC over the rows) with its t "
                "(robust to overlapping labels); q_spread: mean label of the top minus the bottom score quantile; "
                "turnover: share of the top quantile replaced each bar; pooled_ic: the correlation over all rows "
                "pooled across time and symbols, which mixes market timing with ranking.")
    report.table(evaluation.get("table", []))
    model = evaluation.get("model", {})
    report.table(model.get("ic_by_year", []), caption="the model's IC by year")
    quantiles = model.get("quantiles") or {}
    if quantiles.get("mean"):
        report.table([{"quantile": f"Q{q}", "mean label": mean, "t": t} for q, (mean, t) in
                      enumerate(zip(quantiles["mean"], quantiles["t"], strict=True), start=1)],
                     caption="the model's mean label by score quantile (Q1 lowest scores)")
    for note in evaluation.get("notes", []):
        report.note(note)
    for plot in walk.get("plots", []):
        report.image(root / plot, Path(plot).stem.replace("_", " "))
