"""Equity and drawdown chart of a backtest, against its benchmark, optionally beside another.

One column per strategy (the base, and ``compare`` if given) with a shared y-axis: equity
on top (strategy and benchmark), drawdown below. Written as PNG with matplotlib's Agg backend
through a bare ``Figure`` (no pyplot, no display, no global backend switch), atomically.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from alphaforge.backtest.engine import BacktestResult
from alphaforge.timestamps import naive_utc
from alphaforge.workspace import atomic_write_png


def _label(result: BacktestResult) -> str:
    sharpe = result.metrics.get("sharpe")
    return f"{result.settings['strategy']} (Sharpe {sharpe:.2f})" if sharpe is not None else result.settings["strategy"]


def plot_backtest(result: BacktestResult, path: Path, *, compare: BacktestResult | None = None,
                  title: str | None = None) -> Path:
    """Write the equity + drawdown PNG of ``result`` (and ``compare`` beside it) to ``path``."""
    results = [result] if compare is None else [result, compare]
    figure = Figure(figsize=(7 * len(results), 6), layout="tight")
    axes = figure.subplots(2, len(results), sharex="col", sharey="row", squeeze=False,
                           gridspec_kw={"height_ratios": [3, 1]})
    for column, item in enumerate(results):
        top, bottom = axes[0, column], axes[1, column]
        top.plot(naive_utc(item.equity.index), item.equity.to_numpy(), label=item.settings["strategy"], linewidth=1.0)
        if item.benchmark_equity is not None:
            top.plot(naive_utc(item.benchmark_equity.index), item.benchmark_equity.to_numpy(), linewidth=1.0, alpha=0.8,
                     label=f"benchmark: {item.settings['benchmark']}")
        top.set_title(_label(item))
        top.legend(loc="upper left", fontsize=8)
        top.grid(alpha=0.3)
        drawdown = item.drawdown
        bottom.fill_between(naive_utc(drawdown.index), drawdown.to_numpy(), 0.0, color="tab:red", alpha=0.4,
                            linewidth=0)
        bottom.set_ylabel("drawdown")
        bottom.grid(alpha=0.3)
    axes[0, 0].set_ylabel("equity")
    if title:
        figure.suptitle(title)
    figure.autofmt_xdate()
    return atomic_write_png(figure, path, dpi=110)
