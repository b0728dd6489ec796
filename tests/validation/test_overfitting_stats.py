"""PSR, DSR, expected maximum Sharpe and PBO on hand-computed and simulated cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from alphaforge.errors import InputError
from alphaforge.validation import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
    psr_from_moments,
    sharpe_ratio,
)


def test_psr_by_hand_on_a_symmetric_sample() -> None:
    returns = np.array([0.02, -0.01, 0.02, -0.01, 0.02, -0.01, 0.02, -0.01])
    sr = 0.005 / np.sqrt(np.sum((returns - 0.005) ** 2) / 7)  # mean 0.005, ddof=1
    # two-point distribution with equal mass: skewness 0, Pearson kurtosis 1
    z = sr * np.sqrt(7) / np.sqrt(1 - 0 * sr + (1 - 1) / 4 * sr**2)
    assert sharpe_ratio(returns) == pytest.approx(sr)
    assert probabilistic_sharpe_ratio(returns) == pytest.approx(stats.norm.cdf(z))
    assert probabilistic_sharpe_ratio(returns, benchmark=sr) == pytest.approx(0.5)


def test_psr_penalises_negative_skew_and_fat_tails() -> None:
    base = psr_from_moments(0.1, 250, skew=0.0, kurtosis=3.0)
    assert psr_from_moments(0.1, 250, skew=-1.0, kurtosis=3.0) < base
    assert psr_from_moments(0.1, 250, skew=0.0, kurtosis=8.0) < base
    assert psr_from_moments(0.1, 1000, skew=0.0, kurtosis=3.0) > base


def test_expected_max_sharpe_matches_simulated_maxima() -> None:
    rng = np.random.default_rng(0)
    for n_trials in (10, 100):
        simulated = rng.normal(0, 0.2, size=(20_000, n_trials)).max(axis=1).mean()
        assert expected_max_sharpe(n_trials, 0.04) == pytest.approx(simulated, rel=0.03)
    assert expected_max_sharpe(1, 0.04) == 0.0


def test_dsr_is_psr_against_the_expected_maximum() -> None:
    rng = np.random.default_rng(1)
    returns = rng.normal(0.001, 0.01, 500)
    trials = rng.normal(0, 0.05, 50)
    expected = probabilistic_sharpe_ratio(returns, benchmark=expected_max_sharpe(50, trials.var(ddof=1)))
    assert deflated_sharpe_ratio(returns, trials) == pytest.approx(expected)
    variance = float(trials.var(ddof=1))
    assert deflated_sharpe_ratio(returns, n_trials=50, sharpe_variance=variance) == pytest.approx(expected)
    single = deflated_sharpe_ratio(returns, n_trials=1, sharpe_variance=0.0)
    assert single == pytest.approx(probabilistic_sharpe_ratio(returns))
    assert deflated_sharpe_ratio(returns, trials) < probabilistic_sharpe_ratio(returns)


@pytest.mark.parametrize("returns", [[0.01, 0.02], [0.01] * 10, [0.01, np.nan, 0.02, 0.0]])
def test_unusable_returns_are_rejected(returns: list[float]) -> None:
    with pytest.raises(InputError):
        probabilistic_sharpe_ratio(returns)


def test_dsr_needs_the_trials() -> None:
    with pytest.raises(InputError, match="trials"):
        deflated_sharpe_ratio([0.01, 0.02, -0.01, 0.0])


def column_mean(block: np.ndarray) -> np.ndarray:
    return block.mean(axis=0)


def test_pbo_by_hand_on_two_blocks() -> None:
    reversal = np.array([[1, 0, -1], [1, 0, -1], [-1, 0, 1], [-1, 0, 1]], dtype=float)
    result = probability_of_backtest_overfitting(reversal, n_blocks=2, metric=column_mean)
    np.testing.assert_allclose(result.logits, [np.log(1 / 3), np.log(1 / 3)])  # winner ranks last: 1 / (3 + 1)
    assert result.pbo == 1.0
    steady = reversal.copy()
    steady[:, 0] = 2.0
    assert probability_of_backtest_overfitting(steady, n_blocks=2, metric=column_mean).pbo == 0.0


def test_pbo_of_pure_noise_is_about_a_half_and_of_real_skill_near_zero() -> None:
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 1, (800, 30))
    assert 0.3 < probability_of_backtest_overfitting(noise, n_blocks=10).pbo < 0.7
    noise[:, 7] += 0.3
    assert probability_of_backtest_overfitting(noise, n_blocks=10).pbo < 0.05


def test_pbo_checks_its_inputs() -> None:
    with pytest.raises(InputError, match="configurations"):
        probability_of_backtest_overfitting(np.zeros((100, 1)))
    with pytest.raises(InputError, match="n_blocks"):
        probability_of_backtest_overfitting(np.zeros((100, 3)), n_blocks=7)
