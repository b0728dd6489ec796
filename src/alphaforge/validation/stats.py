"""How much of a Sharpe ratio is luck: probabilistic and deflated Sharpe ratios.

Estimator choices (Bailey & López de Prado, 2012 and 2014):

- Sharpe ratio per period (not annualised): mean / standard deviation with ``ddof=1``.
- Skewness and kurtosis: biased sample moments (m3 / m2^1.5, m4 / m2^2, as
  ``scipy.stats.skew``/``kurtosis(fisher=False)`` with their default ``bias=True``); kurtosis
  is the plain (Pearson) one, 3 for a normal distribution.
- PSR(SR*) = Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - skew SR + (kurtosis - 1) / 4 SR^2)), T the
  number of returns.
- Expected maximum Sharpe of N unskilled trials with Sharpe variance V:
  sqrt(V) ((1 - g) Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e))), g the Euler-Mascheroni constant;
  0 for N = 1 (no selection happened).
- DSR = PSR(expected maximum Sharpe). V is the variance of the trials' Sharpe ratios with
  ``ddof=1`` when the trials are given, and the trials' Sharpe ratios must be per period too.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from alphaforge.errors import InputError

EULER_GAMMA = 0.5772156649015329


def _returns(values: object) -> np.ndarray:
    array = np.asarray(values, dtype="float64").ravel()
    if len(array) < 3 or not np.isfinite(array).all():
        raise InputError(f"need at least 3 finite returns, got {len(array)}", where="returns",
                         fix="pass the strategy's per-period returns without NaN")
    if np.ptp(array) == 0:
        raise InputError("returns are constant: the Sharpe ratio is undefined", where="returns",
                         fix="pass a strategy that trades")
    return array


def sharpe_ratio(returns: object, ddof: int = 1) -> float:
    """Per-period Sharpe ratio mean / std(ddof)."""
    array = _returns(returns)
    return float(array.mean() / array.std(ddof=ddof))


def psr_from_moments(sharpe: float, n_obs: int, skew: float, kurtosis: float, benchmark: float = 0.0) -> float:
    """PSR from a Sharpe ratio, sample size, skewness and (Pearson) kurtosis."""
    spread = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if spread <= 0:
        raise InputError(f"moments give a non-positive Sharpe variance ({spread:.3g})", where="returns",
                         fix="check the returns: the skewness/kurtosis are extreme for this Sharpe ratio")
    return float(stats.norm.cdf((sharpe - benchmark) * np.sqrt(n_obs - 1) / np.sqrt(spread)))


def probabilistic_sharpe_ratio(returns: object, benchmark: float = 0.0, ddof: int = 1) -> float:
    """Probability that the true Sharpe ratio exceeds ``benchmark`` (per period).

    >>> round(probabilistic_sharpe_ratio([0.01, -0.005, 0.02, 0.0, 0.004, -0.01, 0.012]), 3)
    0.851
    """
    array = _returns(returns)
    return psr_from_moments(float(array.mean() / array.std(ddof=ddof)), len(array),
                            float(stats.skew(array)), float(stats.kurtosis(array, fisher=False)), benchmark)


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected maximum Sharpe ratio among ``n_trials`` trials with no skill."""
    if n_trials < 1 or sharpe_variance < 0:
        raise InputError(f"n_trials={n_trials}, sharpe_variance={sharpe_variance}", where="expected_max_sharpe",
                         fix="n_trials >= 1 and a variance >= 0")
    if n_trials == 1:
        return 0.0
    quantiles = ((1 - EULER_GAMMA) * stats.norm.ppf(1 - 1 / n_trials)
                 + EULER_GAMMA * stats.norm.ppf(1 - 1 / (n_trials * np.e)))
    return float(np.sqrt(sharpe_variance) * quantiles)


def deflated_sharpe_ratio(returns: object, trial_sharpes: object = None, *, n_trials: int | None = None,
                          sharpe_variance: float | None = None, ddof: int = 1) -> float:
    """PSR against the Sharpe ratio the best of the trials would reach by luck.

    Pass ``trial_sharpes`` (the per-period Sharpe ratio of every configuration tried; N and
    their variance with ddof=1 follow) or ``n_trials`` and ``sharpe_variance`` directly.
    """
    if trial_sharpes is not None:
        trials = np.asarray(trial_sharpes, dtype="float64")
        if len(trials) < 2:
            raise InputError("need the Sharpe ratios of at least 2 trials", where="trial_sharpes",
                             fix="pass every configuration's Sharpe ratio, or n_trials and sharpe_variance")
        n_trials, sharpe_variance = len(trials), float(trials.var(ddof=1))
    if n_trials is None or sharpe_variance is None:
        raise InputError("the number of trials and their Sharpe variance are unknown", where="deflated_sharpe_ratio",
                         fix="pass trial_sharpes=..., or n_trials=... and sharpe_variance=...")
    return probabilistic_sharpe_ratio(returns, expected_max_sharpe(n_trials, sharpe_variance), ddof)
