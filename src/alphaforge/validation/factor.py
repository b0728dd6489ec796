"""How well a score ranks symbols: the cross-sectional measures of a factor tear sheet.

Input: out-of-sample predictions as a long frame with ``symbol``, ``timestamp`` (UTC), a
``score`` and a ``label`` (the target's raw realised value, e.g. the 5-bar forward return),
and, for returns at other horizons, the wide close matrix (index timestamps, columns symbols).
alphalens' factor tear sheet is the reference users know; the definitions here:

- IC at t: Spearman correlation of score and label across the symbols at t (average ranks for
  ties); NaN with fewer than ``min_names`` pairs or a constant side.
- t-statistics robust to overlapping labels: the mean's standard error is Newey-West (Bartlett
  kernel, ``horizon - 1`` lags, no small-sample correction: statsmodels' OLS-on-a-constant
  HAC), because h-bar labels of neighbouring timestamps share h - 1 bars. ``t_nonoverlap`` is
  the usual one-sample t (std with ddof 1) on every ``horizon``-th value instead. p-values are
  two-sided, Student t with n - 1 degrees of freedom.
- Quantiles at t: the score's average ranks r among the n symbols with a score, quantile
  ``ceil((r - 1) q / (n - 1))`` (1-based, the lowest rank in 1) as ``pandas.qcut`` on the
  ranks; ties share a quantile; a timestamp with fewer than q scores is skipped.
- The long-short return formed at t is the mean one-bar return close[t+1]/close[t] - 1 of the
  top quantile minus that of the bottom one (one unit long, one short): bars do not overlap,
  so its cumulative product is the spread's equity curve.
- Turnover of a quantile at t: the share of its names not in it at the previous timestamp;
  rank autocorrelation: Spearman of the scores at t and at the previous timestamp.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from alphaforge.errors import InputError
from alphaforge.validation._base import check_positive_int
from alphaforge.validation._cross_section import Panel, forward_returns, rank_last, spearman_last


def newey_west_t(values: np.ndarray, lags: int) -> float:
    """t-statistic of the mean of ``values`` with a Newey-West (Bartlett, ``lags``) standard
    error; NaN with fewer than 2 values or no variance."""
    values = np.asarray(values, dtype="float64")
    n = len(values)
    if n < 2 or np.ptp(values) == 0:  # rounding would leave a tiny variance and a huge t
        return math.nan
    errors = values - values.mean()
    lags = min(int(lags), n - 1)
    long_run = float((errors * errors).sum()) / n  # products summed in numpy, not BLAS: no thread start-up
    for lag in range(1, lags + 1):
        long_run += 2.0 * (1.0 - lag / (lags + 1.0)) * float((errors[lag:] * errors[:-lag]).sum()) / n
    return float(values.mean() / math.sqrt(long_run / n)) if long_run > 0 else math.nan


class Scored:
    """Prediction rows laid out on the timestamp × symbol table once, with the score's ranks,
    quantiles and forward returns computed on first use and kept (the tear sheet asks for
    each several times)."""

    def __init__(self, frame: pd.DataFrame, close: pd.DataFrame | None = None, *, score: str = "score",
                 label: str = "label") -> None:
        self.panel = Panel.of(frame, (score,))
        self.scores = self.panel.table(frame[score])
        self._frame, self._label, self._close = frame, label, close
        self._quantiles: dict[int, np.ndarray] = {}
        self._forward: dict[int, np.ndarray] = {}

    @cached_property
    def labels(self) -> np.ndarray:
        """The label column as a table."""
        if self._label not in self._frame.columns:
            raise InputError(f"missing column {self._label!r}", where="predictions",
                             fix="pass the target's realised value as a label column")
        return self.panel.table(self._frame[self._label])

    @cached_property
    def ranks(self) -> np.ndarray:
        """Average ranks of the scores at each timestamp."""
        return rank_last(self.scores)

    def quantiles(self, n_quantiles: int) -> np.ndarray:
        """Quantile 1..q of each score among its timestamp's scores (module docstring); 0 where
        there is no score or the timestamp has fewer than q of them."""
        if n_quantiles not in self._quantiles:
            n = np.isfinite(self.ranks).sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                quantile = np.maximum(np.ceil((self.ranks - 1.0) * n_quantiles / (n - 1.0)), 1.0)
            known = np.isfinite(self.ranks) & (n >= n_quantiles)
            self._quantiles[n_quantiles] = np.where(known, quantile, 0.0).astype(np.int64)
        return self._quantiles[n_quantiles]

    def forward(self, horizon: int) -> np.ndarray:
        """The ``horizon``-bar forward return from the close matrix at every cell."""
        if self._close is None:
            raise InputError("this measure needs the close matrix", where="close",
                             fix="pass close (index timestamps, one column per symbol)")
        if horizon not in self._forward:
            self._forward[horizon] = forward_returns(self._close, self.panel.times, self.panel.symbols, horizon)
        return self._forward[horizon]

    def ic(self, min_names: int = 3) -> pd.Series:
        """Per-timestamp Spearman IC of score and label (:func:`timestamp_ic`)."""
        ic = spearman_last(self.scores, self.labels, min_names, x_ranks=self.ranks)
        return pd.Series(ic, index=self.panel.times, name="ic")

    def quantile_returns(self, n_quantiles: int, horizon: int) -> dict[str, object]:
        """:func:`quantile_returns` on these rows."""
        quantiles = self.quantiles(n_quantiles)
        used = (quantiles > 0).any(axis=1)
        means = _group_means(quantiles[used], self.labels[used], n_quantiles)
        columns = [means[np.isfinite(means[:, q]), q] for q in range(n_quantiles)]
        spread = means[:, -1] - means[:, 0]
        spread = spread[np.isfinite(spread)]
        return {"n_quantiles": n_quantiles, "n_timestamps": int(used.sum()),
                "mean": [_mean(c) for c in columns], "t": [newey_west_t(c, horizon - 1) for c in columns],
                "spread": _mean(spread), "spread_t": newey_west_t(spread, horizon - 1)}

    def long_short(self, n_quantiles: int) -> pd.Series:
        """:func:`long_short_returns` on these rows."""
        quantiles = self.quantiles(n_quantiles)
        legs = np.where(quantiles == n_quantiles, 2, np.where(quantiles == 1, 1, 0))
        means = _group_means(legs, self.forward(1), 2)
        return pd.Series(means[:, 1] - means[:, 0], index=self.panel.times, name="long_short").dropna()

    def turnover(self, n_quantiles: int) -> dict[str, float]:
        """:func:`turnover` on these rows."""
        quantiles = self.quantiles(n_quantiles)
        both = (quantiles[1:] > 0).any(axis=1) & (quantiles[:-1] > 0).any(axis=1)
        shares = {}
        for name, q in (("top", n_quantiles), ("bottom", 1)):
            now, before = quantiles[1:][both] == q, quantiles[:-1][both] == q
            with np.errstate(invalid="ignore", divide="ignore"):
                shares[name] = _mean((now & ~before).sum(axis=1) / now.sum(axis=1))
        autocorrelation = spearman_last(self.scores[1:], self.scores[:-1], x_ranks=self.ranks[1:],
                                        y_ranks=self.ranks[:-1])
        shares["rank_autocorrelation"] = _mean(autocorrelation)
        return shares

    def ic_decay(self, horizons: tuple[int, ...]) -> dict[int, float]:
        """:func:`ic_decay` on these rows."""
        return {h: _mean(spearman_last(self.scores, self.forward(h), x_ranks=self.ranks)) for h in horizons}

    def ties(self) -> dict[str, float]:
        """:func:`score_ties` on these rows."""
        return distinct_scores(self.scores)


def distinct_scores(scores: np.ndarray) -> dict[str, float]:
    """How tied the scores of each row of a table are: constant_share (share of the rows with at
    least 2 scores where all are equal) and median_distinct (median count of distinct scores in
    those rows); NaN without such rows."""
    ordered = np.sort(scores, axis=-1)  # NaN last, so a row's finite values come first
    known = np.isfinite(ordered)
    rows = known.sum(axis=-1) >= 2
    if not rows.any():
        return {"constant_share": math.nan, "median_distinct": math.nan}
    changes = (known[:, 1:] & (ordered[:, 1:] != ordered[:, :-1])).sum(axis=-1)
    distinct = 1 + changes[rows]
    return {"constant_share": float((distinct == 1).mean()), "median_distinct": float(np.median(distinct))}


def _mean(values: np.ndarray) -> float:
    """Mean of the finite values; NaN when there are none."""
    values = np.asarray(values, dtype="float64")
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else math.nan


def _group_means(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Per timestamp, the mean of ``values`` over the names in each group 1..k (timestamps × k;
    NaN where a group has no finite value)."""
    means = np.full((len(values), n_groups), np.nan)
    known = np.isfinite(values)
    for group in range(1, n_groups + 1):  # a loop over groups, not timestamps
        members = (groups == group) & known
        with np.errstate(invalid="ignore", divide="ignore"):
            means[:, group - 1] = np.where(members, values, 0.0).sum(axis=1) / members.sum(axis=1)
    return means


def student_t(values: np.ndarray) -> float:
    """The usual one-sample t-statistic of the mean against 0, mean / (std(ddof 1) / sqrt(n));
    NaN with fewer than 2 values or no variance."""
    values = np.asarray(values, dtype="float64")
    if len(values) < 2 or np.ptp(values) == 0:
        return math.nan
    return float(values.mean() / (values.std(ddof=1) / math.sqrt(len(values))))


def timestamp_ic(frame: pd.DataFrame, score: str = "score", label: str = "label", min_names: int = 3) -> pd.Series:
    """Per-timestamp Spearman IC of ``score`` against ``label`` across symbols.

    NaN where fewer than ``min_names`` pairs are finite or either side is constant.

    >>> frame = pd.DataFrame({"symbol": list("abcabc"),
    ...     "timestamp": pd.to_datetime(["2024-01-01"] * 3 + ["2024-01-02"] * 3, utc=True),
    ...     "score": [1.0, 2.0, 3.0, 1.0, 1.0, 1.0], "label": [0.1, 0.3, 0.2, 0.1, 0.2, 0.3]})
    >>> timestamp_ic(frame).round(3).tolist()
    [0.5, nan]
    """
    return Scored(frame, score=score, label=label).ic(min_names)


def ic_statistics(ic: pd.Series, horizon: int) -> dict[str, float | int]:
    """Summary of an IC series (NaN entries dropped) for labels ``horizon`` bars long.

    Keys: n, mean, std (ddof 1), icir (mean / std), t_stat (Newey-West, ``horizon - 1``
    lags), t_nonoverlap (plain t on every ``horizon``-th value), p_value (two-sided, from
    t_stat), positive_share.

    >>> s = ic_statistics(pd.Series([0.1, 0.0, 0.2, 0.1]), horizon=1)
    >>> round(s["mean"], 3), round(s["t_stat"], 3), round(s["t_nonoverlap"], 3), s["positive_share"]
    (0.1, 2.828, 2.449, 0.75)
    """
    horizon = check_positive_int(horizon, "horizon", 1)
    values = pd.Series(ic, dtype="float64").dropna().to_numpy()
    n = len(values)
    mean = _mean(values)
    std = float(values.std(ddof=1)) if n > 1 and np.ptp(values) > 0 else math.nan
    t_stat = newey_west_t(values, horizon - 1)
    p_value = float(2.0 * stats.t.sf(abs(t_stat), n - 1)) if math.isfinite(t_stat) else math.nan
    return {"n": n, "mean": mean, "std": std, "icir": mean / std,
            "t_stat": t_stat, "t_nonoverlap": student_t(values[::horizon]), "p_value": p_value,
            "positive_share": float((values > 0).mean()) if n else math.nan}


def ic_by_year(ic: pd.Series, horizon: int = 1) -> list[dict[str, float | int]]:
    """Per calendar year of the IC series' index: year, n, mean and t (Newey-West as in
    :func:`ic_statistics`, ``horizon - 1`` lags)."""
    ic = pd.Series(ic, dtype="float64").dropna()
    rows = []
    for year, values in ic.groupby(pd.DatetimeIndex(ic.index).year):  # a loop over years
        summary = ic_statistics(values, horizon)
        rows.append({"year": int(year), "n": summary["n"], "mean": summary["mean"], "t": summary["t_stat"]})
    return rows


def quantile_returns(frame: pd.DataFrame, n_quantiles: int = 5, horizon: int = 1) -> dict[str, object]:
    """Mean label by score quantile, and the top-minus-bottom spread.

    Per timestamp (with at least ``n_quantiles`` scores) the mean label of each quantile's
    names; then per quantile the mean over timestamps and its t; ``spread`` is the mean of
    top minus bottom, ``spread_t`` its t. Both t are Newey-West with ``horizon - 1`` lags
    (the labels' overlap). Keys: n_quantiles, n_timestamps, mean, t (lists, bottom first),
    spread, spread_t.
    """
    n_quantiles, horizon = check_positive_int(n_quantiles, "n_quantiles", 2), check_positive_int(horizon, "horizon", 1)
    return Scored(frame).quantile_returns(n_quantiles, horizon)


def long_short_returns(frame: pd.DataFrame, close: pd.DataFrame, n_quantiles: int = 5) -> pd.Series:
    """Per-bar return of the top score quantile long and the bottom one short, equal weights.

    Formed at each prediction timestamp t, it earns close[t+1]/close[t] - 1 (the next bar of
    ``close``): mean of the top quantile's names minus mean of the bottom's. Timestamps
    without both legs (too few scores, no next bar) are left out.
    """
    return Scored(frame, close).long_short(check_positive_int(n_quantiles, "n_quantiles", 2))


def turnover(frame: pd.DataFrame, n_quantiles: int = 5) -> dict[str, float]:
    """How much the extreme quantiles and the ranking change from one timestamp to the next.

    Keys: top, bottom (mean share of the top/bottom quantile's names that were not in it at
    the previous timestamp, over consecutive timestamps that both have quantiles) and
    rank_autocorrelation (mean Spearman of the scores at consecutive timestamps).
    """
    return Scored(frame).turnover(check_positive_int(n_quantiles, "n_quantiles", 2))


def ic_decay(frame: pd.DataFrame, close: pd.DataFrame, horizons: tuple[int, ...] = (1, 5, 10, 20)) -> dict[int, float]:
    """Mean per-timestamp IC of the score against the h-bar forward return from ``close``,
    for each h in ``horizons``: how fast the score's information fades."""
    return Scored(frame, close).ic_decay(check_horizons(horizons))


def score_ties(frame: pd.DataFrame) -> dict[str, float]:
    """How often the scores cannot rank: constant_share is the share of timestamps (with at
    least 2 scores) where every symbol has the same score, median_distinct the median number
    of distinct scores per timestamp. A model of a handful of trees shows it here first; its
    IC is NaN on those timestamps and left out of the mean, so read the two together.

    >>> frame = pd.DataFrame({"symbol": list("abcabc"),
    ...     "timestamp": pd.to_datetime(["2024-01-01"] * 3 + ["2024-01-02"] * 3, utc=True),
    ...     "score": [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]})
    >>> score_ties(frame)
    {'constant_share': 0.5, 'median_distinct': 1.5}
    """
    return Scored(frame).ties()


def check_horizons(horizons: tuple[int, ...]) -> tuple[int, ...]:
    """``horizons`` as whole numbers of bars >= 1, or an :class:`InputError` naming them."""
    return tuple(check_positive_int(h, "horizons", 1) for h in horizons)
