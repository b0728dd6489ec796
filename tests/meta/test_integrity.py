"""Integrity: the meta-model helps where a planted relation makes some trades predictable, and
does not where nothing is predictable (pure random walk), out of sample.

The planted market is a reversal over 96 bars (``ic=-0.19`` against the 10-bar forward
return, :mod:`alphaforge.data.synthetic`): a trend entry after a long rally tends to fail and
one after a long decline tends to work, which the shared feature ``px_ret_96`` at the signal
shows. The trend baseline (EMA 20/50) does not look at it, so its trades mix both kinds.
"Within noise" is two standard errors of an annualised Sharpe ratio over the backtest's bars
(Lo 2002: sqrt((1 + S^2 / 2) / T) per bar, times sqrt(bars per year)).
"""

from __future__ import annotations

import numpy as np
import pytest

from alphaforge.backtest import make_strategy
from alphaforge.data.synthetic import SynthSpec, generate_bars
from alphaforge.features import compute_features
from alphaforge.meta.backtest import MetaComparison, compare_with_meta
from alphaforge.meta.dataset import LabelSpec
from alphaforge.meta.training import MetaRecipe


def _compare(market: str, seed: int, ensemble: str = "filter") -> MetaComparison:
    bars = generate_bars(SynthSpec(symbols=40, bars=2500, freq="1d", seed=seed, mode=market, lookback=96,
                                   horizon=10, ic=-0.19))
    return compare_with_meta(bars, make_strategy("trend_baseline"), compute_features(bars, features="px_ret_*"),
                             LabelSpec(threshold=0.0), MetaRecipe(family="logistic", calibration="sigmoid"),
                             mode=ensemble)


def _sharpe_noise(result: MetaComparison) -> float:
    metrics = result.base.metrics
    per_bar = metrics["sharpe"] / np.sqrt(metrics["periods_per_year"])
    return float(np.sqrt((1 + per_bar ** 2 / 2) / metrics["bars"]) * np.sqrt(metrics["periods_per_year"]))


@pytest.mark.parametrize(("seed", "ensemble"), [(1, "filter"), (3, "size")])
def test_meta_model_improves_sharpe_on_the_planted_market(seed, ensemble):
    result = _compare("planted", seed, ensemble)
    counts = result.signal_counts()
    assert counts["scored"] > 400 and 0 < counts["taken"] < counts["scored"]
    assert result.base.equity.index.equals(result.meta.equity.index)
    assert result.meta.metrics["sharpe"] > result.base.metrics["sharpe"] + 0.5


@pytest.mark.parametrize("seed", [1, 3])
def test_meta_filter_does_not_improve_a_random_walk(seed):
    result = _compare("random_walk", seed)
    assert result.signal_counts()["taken"] > 0
    assert result.meta.metrics["sharpe"] - result.base.metrics["sharpe"] < 2 * _sharpe_noise(result)
