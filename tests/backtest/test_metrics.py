"""Golden statistics on a four-bar equity curve, each worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.backtest import compute_metrics
from alphaforge.validation.stats import (
    deflated_sharpe_ratio,
    probabilistic_sharpe_ratio,
)

TIMES = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
EQUITY = pd.Series([100.0, 110.0, 99.0, 121.0], index=TIMES)
RETURNS = np.array([0.0, 0.1, -0.1, 2 / 9])  # 100 -> 100 -> 110 -> 99 -> 121


@pytest.fixture
def metrics() -> dict:
    trades = pd.DataFrame({"return": [0.05, -0.02, 0.01]})
    traded = pd.Series([100.0, 0.0, 99.0, 0.0], index=TIMES)  # a full entry and a full exit
    exposure = pd.Series([1.0, 1.0, 0.0, 0.0], index=TIMES)
    return compute_metrics(EQUITY, initial_cash=100.0, periods_per_year=4, trades=trades, traded=traded,
                           exposure=exposure, trial_sharpes=[0.1, 0.2, 0.3])


def test_return_and_risk_statistics(metrics: dict) -> None:
    # mean 1/18; std (ddof 1) = sqrt(((1/18)^2 + (0.1-1/18)^2 + (0.1+1/18)^2 + (2/9-1/18)^2) / 3)
    std = math.sqrt(((1 / 18) ** 2 + (0.1 - 1 / 18) ** 2 + (0.1 + 1 / 18) ** 2 + (2 / 9 - 1 / 18) ** 2) / 3)
    assert metrics["total_return"] == pytest.approx(0.21)
    assert metrics["annual_return"] == pytest.approx(0.21)  # 4 bars at 4 bars a year: one year
    assert metrics["volatility"] == pytest.approx(std * 2)
    assert metrics["sharpe"] == pytest.approx(1 / 18 / std * 2)
    assert metrics["sharpe"] == pytest.approx(0.805823, abs=1e-6)
    # downside deviation sqrt(mean(min(r, 0)^2)) = sqrt(0.01 / 4) = 0.05
    assert metrics["sortino"] == pytest.approx(1 / 18 / 0.05 * 2)
    assert metrics["final_equity"] == 121.0


def test_drawdown_statistics(metrics: dict) -> None:
    # peak 110 at bar 1, trough 99 at bar 2, back above at bar 3: -10 % over 2 bars (2 days)
    assert metrics["max_drawdown"] == pytest.approx(-0.1)
    assert metrics["max_drawdown_duration_bars"] == 2
    assert metrics["max_drawdown_duration_days"] == pytest.approx(2.0)
    assert metrics["calmar"] == pytest.approx(0.21 / 0.1)


def test_trading_statistics(metrics: dict) -> None:
    assert metrics["n_trades"] == 3
    assert metrics["hit_rate"] == pytest.approx(2 / 3)
    assert metrics["turnover"] == pytest.approx((1 + 0 + 1 + 0) / 4 * 4)  # traded / equity, mean, x 4 a year
    assert metrics["exposure"] == pytest.approx(0.5)
    assert metrics["time_in_market"] == pytest.approx(0.5)


def test_luck_adjusted_sharpe_uses_the_validation_statistics(metrics: dict) -> None:
    assert metrics["psr"] == pytest.approx(probabilistic_sharpe_ratio(RETURNS))
    assert metrics["dsr"] == pytest.approx(deflated_sharpe_ratio(RETURNS, [0.1, 0.2, 0.3]))
    assert metrics["dsr"] < metrics["psr"]


def test_an_unrecovered_drawdown_lasts_until_the_last_bar() -> None:
    equity = pd.Series([100.0, 120.0, 90.0, 95.0, 100.0], index=pd.date_range("2024-01-01", periods=5, freq="h",
                                                                                tz="UTC"))
    result = compute_metrics(equity, initial_cash=100.0)
    assert result["max_drawdown"] == pytest.approx(-0.25)
    assert result["max_drawdown_duration_bars"] == 3
    assert result["max_drawdown_duration_days"] == pytest.approx(3 / 24)
    assert result["periods_per_year"] == pytest.approx(365.25 * 24)


def test_a_flat_curve_has_no_ratios_instead_of_errors() -> None:
    result = compute_metrics(pd.Series(100.0, index=TIMES), initial_cash=100.0)
    assert (result["sharpe"], result["sortino"], result["calmar"], result["psr"]) == (None, None, None, None)
    assert result["max_drawdown"] == 0.0 and result["max_drawdown_duration_bars"] == 0
    assert result["hit_rate"] is None and result["n_trades"] is None


def naive_drawdown(equity: list[float]) -> tuple[float, int]:
    """(max drawdown, longest bars from a peak to the first bar back at it, or to the end)."""
    worst, longest, peak, peak_at, underwater = 0.0, 0, equity[0], 0, False
    for t, value in enumerate(equity):
        if value >= peak:
            if underwater:  # the recovery bar closes the stretch
                longest = max(longest, t - peak_at)
            peak, peak_at, underwater = value, t, False
        else:
            underwater = True
            worst = min(worst, value / peak - 1)
            longest = max(longest, t - peak_at)
    return worst, longest


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.0]), min_size=2, max_size=30))
def test_drawdown_equals_a_naive_scan(steps: list[float]) -> None:
    equity = list(100.0 + np.cumsum(steps))
    times = pd.date_range("2024-01-01", periods=len(equity), freq="D", tz="UTC")
    result = compute_metrics(pd.Series(equity, index=times), initial_cash=100.0)
    worst, longest = naive_drawdown(equity)
    assert result["max_drawdown"] == pytest.approx(worst, abs=1e-15)
    assert result["max_drawdown_duration_bars"] == longest
    assert result["max_drawdown_duration_days"] == pytest.approx(longest)
