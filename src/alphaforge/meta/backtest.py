"""Base strategy vs meta-filtered strategy, side by side, on the same bars and range.

:func:`compare_with_meta` scores every signal of the base strategy with walk-forward meta
probabilities (:mod:`alphaforge.meta.walkforward`), turns them into adjusted weights
(:mod:`alphaforge.meta.ensemble`) and backtests both with the same engine, costs and range:
from the first signal scored out of sample (or ``start``, if later) to ``end``. Both results
therefore cover exactly the bars on which the meta strategy could have traded honestly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from alphaforge.backtest import BacktestResult, Strategy, plot_backtest, run_backtest
from alphaforge.backtest._frames import close_grid
from alphaforge.meta.dataset import LabelSpec, signal_table_from
from alphaforge.meta.ensemble import meta_weights
from alphaforge.meta.signals import entry_signals
from alphaforge.meta.training import MetaRecipe
from alphaforge.meta.walkforward import DEFAULT_WINDOWS, walk_forward_probabilities
from alphaforge.timestamps import to_utc

COMPARED_METRICS = ("total_return", "annual_return", "sharpe", "sortino", "max_drawdown", "hit_rate", "n_trades",
                    "exposure", "psr")


@dataclass
class MetaComparison:
    """The base and the meta-adjusted backtests, and the out-of-sample probability of each signal."""

    base: BacktestResult
    meta: BacktestResult
    probabilities: pd.DataFrame
    mode: str
    min_confidence: float

    def table(self) -> list[dict[str, Any]]:
        """Rows metric / base / meta (JSON-ready), the base-vs-meta metrics table."""
        return [{"metric": key, "base": self.base.metrics.get(key), "meta": self.meta.metrics.get(key)}
                for key in COMPARED_METRICS]

    def signal_counts(self) -> dict[str, int]:
        """Signals scored out of sample, and how many the meta strategy took."""
        scored = self.probabilities["probability"].notna()
        taken = self.probabilities["probability"] >= self.min_confidence
        return {"signals": len(self.probabilities), "scored": int(scored.sum()),
                "taken": int((scored & taken).sum())}

    def plot(self, path: Path) -> Path:
        """Equity and drawdown of base (left) and meta (right), each against the benchmark."""
        return plot_backtest(self.base, path, compare=self.meta,
                             title=f"{self.base.settings['strategy']} vs meta-model ({self.mode})")


def compare_with_meta(bars: pd.DataFrame, strategy: Strategy, features: pd.DataFrame, spec: LabelSpec,
                      recipe: MetaRecipe, *, mode: str = "filter", min_confidence: float = 0.5,
                      start: object = None, end: object = None, n_windows: int = DEFAULT_WINDOWS,
                      fees_bps: float = 10.0, slippage_bps: float = 0.0,
                      benchmark: str | None = "buy_and_hold") -> MetaComparison:
    """Backtest ``strategy`` and its meta-adjusted version over the out-of-sample range.

    ``features`` is the shared feature frame for ``bars`` (symbol, timestamp, features);
    ``spec`` labels the training signals and ``recipe`` trains each walk-forward meta-model.

    >>> from alphaforge.data.synthetic import SynthSpec, generate_bars
    >>> from alphaforge.backtest import make_strategy
    >>> from alphaforge.features import compute_features
    >>> bars = generate_bars(SynthSpec(symbols=6, bars=900, freq="1d", seed=2, mode="random_walk"))
    >>> result = compare_with_meta(bars, make_strategy("trend_baseline", fast=5, slow=20),
    ...                            compute_features(bars, features="px_ret_*"), LabelSpec(),
    ...                            MetaRecipe(family="logistic"), n_windows=2)
    >>> result.base.equity.index.equals(result.meta.equity.index)
    True
    """
    grid = close_grid(bars)
    base_weights = strategy.target_weights(grid.close_frame())
    signals = entry_signals(base_weights)
    table = signal_table_from(grid, signals, strategy.name, features, spec)
    scored = walk_forward_probabilities(table, recipe, start=start, n_windows=n_windows)
    keys = ["symbol", "timestamp"]
    probability = signals[keys].merge(scored[[*keys, "probability"]], on=keys, how="left")["probability"]
    adjusted = meta_weights(base_weights, signals, probability.to_numpy(), mode=mode, min_confidence=min_confidence)
    first_scored = scored.loc[scored["probability"].notna(), "timestamp"].min()
    begin = first_scored if start is None else max(first_scored, to_utc(start, "start"))
    options = {"fees_bps": fees_bps, "slippage_bps": slippage_bps, "benchmark": benchmark, "start": begin, "end": end}
    base = run_backtest(bars, strategy, **options)
    meta = run_backtest(bars, adjusted, accounts=strategy.accounts, **options)
    label = f"{strategy.name} + meta ({mode})"
    meta = dataclasses.replace(meta, settings={**meta.settings, "strategy": label, "params": {
        **base.settings["params"], "meta_mode": mode, "meta_min_confidence": min_confidence,
        "meta_family": recipe.family, "meta_calibration": recipe.calibration}})
    return MetaComparison(base, meta, scored, mode, min_confidence)
