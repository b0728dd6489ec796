"""The factor tear sheet of out-of-sample predictions: every measure in one object.

:func:`tear_sheet` picks the view by the number of symbols: with at least
:data:`MIN_NAMES` symbols the cross-sectional view (:mod:`alphaforge.validation.factor`: the
per-timestamp IC, quantile returns, long-short spread, turnover, IC decay), otherwise the
time-series view (:mod:`alphaforge.validation.single_series`: hit rate, IC over the rows, by
year and rolling). Both carry ``pooled_ic``, the Spearman IC over all rows pooled across
time and symbols, labelled as pooled because it mixes market timing with ranking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.validation._base import check_positive_int
from alphaforge.validation._cross_section import spearman_last
from alphaforge.validation.factor import (
    Scored,
    check_horizons,
    distinct_scores,
    ic_by_year,
    ic_statistics,
    student_t,
)
from alphaforge.validation.single_series import hit_rate, rolling_ic, series_ic, series_ic_by_year

CROSS_SECTION = "cross_section"
TIME_SERIES = "time_series"
MIN_NAMES = 3  # symbols per timestamp below which a cross-sectional IC is not computed
ROLLING_WINDOW = 252  # rows per rolling IC in the time-series view (fewer on short series)
_DIGITS = 6  # significant digits of the floats in to_dict()


def _json_ready(value: Any) -> Any:
    """``value`` with floats to 6 significant digits, NaN/inf as None, numpy scalars as Python."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(f"{value:.{_DIGITS}g}") if math.isfinite(value) else None
    return value


def _g(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}g}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.0%}"


@dataclass(frozen=True)
class TearSheet:
    """Every measure of one score on one set of out-of-sample rows.

    ``ic`` is the per-timestamp cross-sectional IC (cross-section view) or the rolling IC
    (time-series view); ``ic_stats`` is :func:`~alphaforge.validation.factor.ic_statistics`
    of it, or :func:`~alphaforge.validation.single_series.series_ic` with the hit rate.
    ``quantiles``, ``long_short`` and ``turnover`` exist in the cross-section view only,
    ``window`` (rows per rolling IC) in the time-series view only. ``ties``
    (:func:`~alphaforge.validation.factor.score_ties`) is per timestamp in the cross-section
    view, over all rows in the time-series view.
    """

    view: str
    horizon: int
    n_rows: int
    n_symbols: int
    n_timestamps: int
    pooled_ic: float
    ic: pd.Series
    ic_stats: dict[str, float | int]
    ic_by_year: list[dict[str, float | int]]
    ic_decay: dict[int, float]
    quantiles: dict[str, Any] | None = None
    long_short: pd.Series | None = None
    turnover: dict[str, float] | None = None
    window: int | None = None
    ties: dict[str, float] | None = None

    @property
    def mean_ic(self) -> float:
        """The headline IC: mean per-timestamp IC (cross-section) or IC over the rows (one series)."""
        return float(self.ic_stats["mean" if self.view == CROSS_SECTION else "ic"])

    def to_dict(self) -> dict[str, Any]:
        """Everything but the series, JSON-ready: floats to 6 significant digits, NaN as None."""
        out: dict[str, Any] = {"view": self.view, "horizon": self.horizon, "n_rows": self.n_rows,
                               "n_symbols": self.n_symbols, "n_timestamps": self.n_timestamps,
                               "pooled_ic": self.pooled_ic, "ic": self.ic_stats, "ic_by_year": self.ic_by_year,
                               "ic_decay": self.ic_decay, "ties": self.ties}
        if self.window is not None:
            out["window"] = self.window
        if self.view == CROSS_SECTION:
            returns = self.long_short.to_numpy() if self.long_short is not None else np.array([])
            out |= {"quantiles": self.quantiles, "turnover": self.turnover,
                    "long_short": {"n": len(returns), "mean": float(returns.mean()) if len(returns) else math.nan,
                                   "t": student_t(returns),
                                   "total_return": float(np.prod(1.0 + returns) - 1.0)}}
        return _json_ready(out)

    def summary_line(self) -> str:
        """One line for the CLI (at most 80 characters): the IC and its t, then the spread,
        turnover and the share of timestamps with all scores tied, if any (cross-section), or
        the hit rate against the share of up labels (one series)."""
        s = self.ic_stats
        if self.view == CROSS_SECTION:
            q = self.quantiles or {}
            line = (f"IC {_g(s['mean'])} t {_g(s['t_stat'])} ICIR {_g(s['icir'], 2)}"
                    f" | Q{q.get('n_quantiles', '?')}-Q1 {_g(q.get('spread'), 2)} t {_g(q.get('spread_t'))}"
                    f" | turnover {_percent((self.turnover or {}).get('top'))}")
            tied = (self.ties or {}).get("constant_share") or 0.0
            return line + f", tied {_percent(tied)}" if tied > 0 else line  # only when some days cannot rank
        return (f"IC {_g(s['ic'])} t {_g(s['t_nonoverlap'])} ({s['n']} rows)"
                f" | hit rate {_percent(s['hit_rate'])} vs {_percent(s['up_share'])} up")


def _rows_ic(scores: object, labels: object) -> float:
    """Spearman IC of two columns over all their rows."""
    scores, labels = np.asarray(scores, dtype="float64"), np.asarray(labels, dtype="float64")
    return float(spearman_last(scores, labels)) if len(scores) else math.nan


def tear_sheet(frame: pd.DataFrame, close: pd.DataFrame, horizon: int, n_quantiles: int = 5,
               horizons: tuple[int, ...] = (1, 5, 10, 20)) -> TearSheet:
    """The tear sheet of predictions ``frame`` (symbol, timestamp, score, label; sorted by
    timestamp, symbol) whose labels are ``horizon`` bars long; ``close`` (index timestamps,
    columns symbols) gives the forward returns at ``horizons`` and the long-short's bars.

    >>> times = pd.date_range("2024-01-01", periods=40, freq="D", tz="UTC")
    >>> steps = np.random.default_rng(0).normal(0.0, 0.01, (40, 6))
    >>> close = pd.DataFrame(np.exp(steps.cumsum(axis=0)), index=times, columns=list("abcdef"))
    >>> forward = (close.shift(-1) / close - 1).rename_axis(index="timestamp", columns="symbol")
    >>> frame = forward.stack().rename("label").reset_index()
    >>> frame["score"] = frame["label"]
    >>> sheet = tear_sheet(frame, close, horizon=1, n_quantiles=3)
    >>> sheet.view, sheet.mean_ic, sheet.ic_decay[1]
    ('cross_section', 1.0, 1.0)
    """
    horizon, horizons = check_positive_int(horizon, "horizon", 1), check_horizons(horizons)
    n_quantiles = check_positive_int(n_quantiles, "n_quantiles", 2)
    scored = Scored(frame, close)
    n_timestamps, n_symbols = scored.panel.shape
    common = {"horizon": horizon, "n_rows": len(frame), "n_symbols": n_symbols, "n_timestamps": n_timestamps,
              "pooled_ic": _rows_ic(frame["score"], frame["label"])}
    if n_symbols >= MIN_NAMES:
        ic = scored.ic(MIN_NAMES)
        return TearSheet(CROSS_SECTION, ic=ic, ic_stats=ic_statistics(ic, horizon),
                         ic_by_year=ic_by_year(ic, horizon), ic_decay=scored.ic_decay(horizons),
                         quantiles=scored.quantile_returns(n_quantiles, horizon),
                         long_short=scored.long_short(n_quantiles), turnover=scored.turnover(n_quantiles),
                         ties=scored.ties(), **common)
    rows = scored.panel.time, scored.panel.symbol
    decay = {h: _rows_ic(frame["score"], scored.forward(h)[rows]) for h in horizons}
    window = min(ROLLING_WINDOW, max(MIN_NAMES, len(frame) // 4))
    return TearSheet(TIME_SERIES, ic=rolling_ic(frame, window),
                     ic_stats=series_ic(frame, horizon) | hit_rate(frame),
                     ic_by_year=series_ic_by_year(frame, horizon), ic_decay=decay, window=window,
                     ties=distinct_scores(frame["score"].to_numpy(dtype="float64")[None, :]), **common)
