"""Performance statistics of an equity curve, its trades and its trading.

Conventions (each a common one, written down so the numbers can be checked by hand):

- ``returns``: simple returns per bar; the first is the first bar's value over the initial
  cash (it carries the entry costs), so ``prod(1 + returns) = final / initial``.
- Annualisation uses ``periods_per_year``; by default it is inferred from the timestamps as
  (bars - 1) / (years between first and last bar), which gives ~252 for stock days and
  ~8766 for 24/7 hours. ``annual_return`` is compounded: (final / initial) ** (periods_per_year
  / bars) - 1.
- ``volatility`` = std(returns, ddof=1) * sqrt(periods_per_year); ``sharpe`` = mean / std
  (ddof=1) * sqrt(periods_per_year), risk-free rate 0; ``sortino`` = mean / sqrt(mean(min(r,
  0)^2)) * sqrt(periods_per_year) (downside deviation against 0 over all bars).
- ``max_drawdown`` is negative: min(equity / running peak - 1) over the bars' values (the
  initial cash is not a peak, as in vectorbt). ``max_drawdown_duration_*``: the longest time
  from a peak to the first bar back at it (or to the last bar if it never gets back). ``calmar`` =
  annual_return / |max_drawdown|.
- ``hit_rate``: share of trades with a positive net return (open trades marked at the last
  close); ``n_trades``: number of trades.
- ``turnover``: traded value over equity, summed over bars and annualised (1.0 = the
  whole account bought or sold once a year; a round trip counts twice).
- ``exposure``: mean gross exposure, sum |holdings| / equity; ``time_in_market``: share of
  bars holding anything.
- ``psr``: probability that the true per-bar Sharpe ratio is above 0
  (:func:`alphaforge.validation.stats.probabilistic_sharpe_ratio`); ``dsr``: the same
  against the best Sharpe ratio the configurations tried would reach by luck
  (:func:`~alphaforge.validation.stats.deflated_sharpe_ratio`), only when their per-bar Sharpe
  ratios are given.

A statistic that is undefined (no variance, no trades, no drawdown) is ``None``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.timestamps import infer_periods_per_year
from alphaforge.validation.stats import (
    deflated_sharpe_ratio,
    probabilistic_sharpe_ratio,
)

def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 and math.isfinite(denominator) else None


def _drawdown_durations(equity: np.ndarray, timestamps: pd.DatetimeIndex) -> tuple[int, float]:
    """Longest (bars, days) from a peak to the first bar back at it, or to the last bar.

    Every bar in or just after an underwater stretch measures from the stretch's peak to
    itself; the recovery bar gives the whole stretch, an unrecovered one ends at the last bar.
    """
    bars = np.arange(len(equity))
    underwater = equity < np.maximum.accumulate(equity)  # never the first bar
    last_peak = np.maximum.accumulate(np.where(underwater, 0, bars))
    ends = np.flatnonzero(np.concatenate(([False], underwater[:-1])) | underwater)
    peaks = last_peak[ends - 1]
    spans = (timestamps[ends] - timestamps[peaks]).total_seconds()
    return int(np.max(ends - peaks)), float(np.max(spans)) / 86_400.0


def _luck_adjusted(returns: np.ndarray, trial_sharpes: object) -> tuple[float | None, float | None]:
    """(PSR, DSR) of the per-bar returns; None where the returns cannot define them."""
    try:
        psr = probabilistic_sharpe_ratio(returns)
    except InputError:
        return None, None
    dsr = None if trial_sharpes is None else deflated_sharpe_ratio(returns, trial_sharpes)
    return psr, dsr


def compute_metrics(equity: pd.Series, *, initial_cash: float, periods_per_year: float | None = None,
                    trades: pd.DataFrame | None = None, traded: pd.Series | None = None,
                    exposure: pd.Series | None = None,
                    trial_sharpes: object = None) -> dict[str, float | int | str | None]:
    """All statistics of an equity curve (indexed by timestamp) as a JSON-ready dict.

    ``trades`` (from :func:`~alphaforge.backtest.trades.list_trades`), ``traded`` (value traded
    per bar) and ``exposure`` (gross exposure per bar) are optional; the statistics they feed
    are ``None`` without them. ``trial_sharpes``: per-bar Sharpe ratios of every configuration
    tried, for the deflated Sharpe ratio.

    >>> times = pd.date_range("2021-01-01", periods=4, freq="D", tz="UTC")
    >>> m = compute_metrics(pd.Series([100.0, 110.0, 99.0, 121.0], index=times), initial_cash=100.0)
    >>> round(m["total_return"], 4), round(m["max_drawdown"], 4), m["max_drawdown_duration_bars"]
    (0.21, -0.1, 2)
    """
    values = equity.to_numpy(dtype="float64")
    timestamps = pd.DatetimeIndex(equity.index)
    per_year = periods_per_year or infer_periods_per_year(timestamps)
    returns = np.diff(values, prepend=initial_cash) / np.concatenate(([initial_cash], values[:-1]))
    growth = float(values[-1] / initial_cash)
    mean, deviation = float(returns.mean()), float(returns.std(ddof=1)) if len(returns) > 1 else 0.0
    downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2)))
    drawdown = float(np.min(values / np.maximum.accumulate(values) - 1.0))
    duration_bars, duration_days = _drawdown_durations(values, timestamps) if drawdown < 0 else (0, 0.0)
    annual = growth ** (per_year / len(values)) - 1.0 if growth > 0 else -1.0
    psr, dsr = _luck_adjusted(returns, trial_sharpes)
    scale = math.sqrt(per_year)
    sharpe = _ratio(mean, deviation)
    sortino = _ratio(mean, downside)
    n_trades = None if trades is None else len(trades)
    return {
        "start": str(timestamps[0]), "end": str(timestamps[-1]), "bars": len(values),
        "periods_per_year": per_year,
        "final_equity": float(values[-1]),
        "total_return": growth - 1.0,
        "annual_return": annual,
        "volatility": deviation * scale,
        "sharpe": None if sharpe is None else sharpe * scale,
        "sortino": None if sortino is None else sortino * scale,
        "calmar": _ratio(annual, -drawdown),
        "max_drawdown": drawdown,
        "max_drawdown_duration_bars": duration_bars,
        "max_drawdown_duration_days": duration_days,
        "hit_rate": float((trades["return"] > 0).mean()) if n_trades else None,
        "n_trades": n_trades,
        "turnover": None if traded is None else float((traded.to_numpy() / values).mean() * per_year),
        "exposure": None if exposure is None else float(exposure.mean()),
        "time_in_market": None if exposure is None else float((exposure.to_numpy() > 0).mean()),
        "psr": psr,
        "dsr": dsr,
    }
