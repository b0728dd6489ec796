"""Scores to signals: the one rule the model backtest and `alphaforge predict` share.

A side is +1 (long), -1 (short) or 0 (flat) per (timestamp, symbol), NaN where there is no
score. The model strategy sizes sides into weights and `alphaforge predict` reports them as
signals, so a live signal is the position the backtest takes on the same bar. The rules:

``quantile`` (panels)
    At each timestamp, across the symbols that have a score: long the top ``quantile`` share
    of them (at least one name), short the bottom share when the direction allows (then at
    most half the names a side, so the books never overlap). Scores tied across a cut-off are
    all left out, since the model prefers none of them: a timestamp of equal scores is flat.
``rolling`` (a single symbol, or each symbol on its own)
    A symbol's score at t against its own previous ``window`` scores (t - window .. t - 1,
    not t): long above their ``upper`` quantile, short below their ``lower`` quantile (when
    allowed), flat between and while it has fewer than ``min_periods`` past scores. Only the
    order of the scores matters, so regression values of any scale and probabilities alike.
``top_k``
    Long the ``k`` highest and short the ``k`` lowest scores at each timestamp (ties by
    column order).
``threshold``
    Fixed levels: long above ``long_above``, short below ``short_below``.
``auto``
    ``quantile`` on a panel, else ``rolling``: a panel has at least ``min_symbols`` scored
    symbols at the median timestamp, the test training uses to rank a panel's labels and
    features (:func:`~alphaforge.models.panel.cross_section_size`, ``[models]
    min_cross_section``), so a model learned as a ranking is traded as one. Chosen once from
    which (symbol, timestamp) pairs carry a score, never from the scores' values.

Every rule is causal: the side at t reads scores at times <= t only.

Values are not checked here: a :class:`SignalRule` comes from the validated config
(:func:`rule_from_config`) or from :class:`~alphaforge.backtest.ModelStrategy`, which checks
its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from alphaforge.config import Config
from alphaforge.models.panel import cross_section_size
from alphaforge.predict.scores import score_thresholds

RULES = ("auto", "quantile", "rolling", "top_k", "threshold")
CROSS_SECTIONAL = ("quantile", "top_k")
DIRECTIONS = ("long_only", "short_only", "long_short")


def restrict_sides(side: np.ndarray, direction: str) -> np.ndarray:
    """Signs (+1 long, -1 short, 0 flat) with the sides ``direction`` forbids set flat."""
    if direction == "long_only":
        return np.where(side > 0, side, 0.0)
    if direction == "short_only":
        return np.where(side < 0, side, 0.0)
    return side


@dataclass(frozen=True)
class SignalRule:
    """A rule and its parameters (see the module docstring for what each one means).

    >>> scores = np.array([[0.3, 0.1, 0.2, np.nan, 0.9]])
    >>> SignalRule(rule="quantile", quantile=0.25, direction="long_short").sides(scores).tolist()
    [[0.0, -1.0, 0.0, nan, 1.0]]
    """

    rule: str = "auto"
    direction: str = "long_only"
    quantile: float = 0.2
    min_symbols: int = 3
    k: int = 3
    window: int = 250
    upper: float = 0.8
    lower: float = 0.2
    min_periods: int = 50
    long_above: float = 0.0
    short_below: float = 0.0

    def resolve(self, scored_timestamps: object) -> SignalRule:
        """This rule with ``auto`` made ``quantile`` or ``rolling``, given the timestamp of every
        scored (symbol, timestamp) pair (any sortable values: ``asi8`` nanoseconds, row numbers)."""
        return self if self.rule != "auto" else self.resolved_for(cross_section_size(scored_timestamps))

    def resolved_for(self, cross_section: float) -> SignalRule:
        """This rule with ``auto`` resolved for data of this :func:`~alphaforge.models.panel.cross_section_size`
        (what :meth:`resolve` measures), when that is already known."""
        if self.rule != "auto":
            return self
        return replace(self, rule="quantile" if cross_section >= self.min_symbols else "rolling")

    @property
    def cross_sectional(self) -> bool:
        """Whether a side depends on the other symbols' scores at the same timestamp."""
        return self.rule in CROSS_SECTIONAL

    @property
    def lookback(self) -> int:
        """Past scores of a symbol its first side needs: ``window`` for rolling, none otherwise."""
        return self.window if self.rule == "rolling" else 0

    def sides(self, scores: np.ndarray) -> np.ndarray:
        """Sides of a (timestamps x symbols) score matrix, rows in time order, NaN = no score."""
        scores = np.asarray(scores, dtype="float64")
        rule = self.resolve(np.nonzero(~np.isnan(scores))[0])  # row numbers stand for timestamps
        if rule.rule == "quantile":
            side = _quantile_sides(scores, rule.quantile, rule.direction)
        elif rule.rule == "rolling":
            side = np.column_stack([_rolling_sides(scores[:, j], rule) for j in range(scores.shape[1])]) \
                if scores.shape[1] else np.empty(scores.shape)
        elif rule.rule == "top_k":
            side = _top_k_sides(scores, rule.k, rule.direction)
        else:
            side = restrict_sides(np.where(scores > rule.long_above, 1.0,
                                           np.where(scores < rule.short_below, -1.0, 0.0)), rule.direction)
        return np.where(np.isnan(scores), np.nan, side)


def _quantile_sides(scores: np.ndarray, quantile: float, direction: str) -> np.ndarray:
    frame = pd.DataFrame(scores)
    scored = np.sum(~np.isnan(scores), axis=1)
    names = np.maximum(1, np.floor(quantile * scored + 1e-9))  # 1e-9: 0.2 * 5 is one name, not 0.999...
    if direction == "long_short":
        names = np.minimum(names, scored // 2)
    # method="max": a name is in the top n only if at most n names score >= it, so ties straddling
    # the cut-off are all out
    top = frame.rank(axis=1, method="max", ascending=False).to_numpy() <= names[:, None]
    bottom = frame.rank(axis=1, method="max", ascending=True).to_numpy() <= names[:, None]
    long = top & (direction != "short_only")
    short = bottom & (direction != "long_only")
    return long.astype("float64") - short


def _rolling_sides(column: np.ndarray, rule: SignalRule) -> np.ndarray:
    """One symbol's sides: its score against the quantiles of its previous scores (gaps skipped)."""
    side = np.full(column.shape, np.nan)
    rows = np.flatnonzero(~np.isnan(column))
    values = pd.Series(column[rows])
    past = values.rolling(rule.window, min_periods=rule.min_periods)
    upper = past.quantile(rule.upper).shift(1).to_numpy()  # shift: t's own score is not in its window
    lower = past.quantile(rule.lower).shift(1).to_numpy()
    with np.errstate(invalid="ignore"):  # NaN thresholds (warm-up) compare False: flat
        raw = (values.to_numpy() > upper).astype("float64") - (values.to_numpy() < lower)
    side[rows] = restrict_sides(raw, rule.direction)
    return side


def _top_k_sides(scores: np.ndarray, k: int, direction: str) -> np.ndarray:
    frame = pd.DataFrame(scores)
    top = frame.rank(axis=1, method="first", ascending=False).to_numpy() <= k
    bottom = frame.rank(axis=1, method="first", ascending=True).to_numpy() <= k
    return restrict_sides(np.where(top, 1.0, np.where(bottom, -1.0, 0.0)), direction)


def long_sides(frame: pd.DataFrame, score: str, rule: SignalRule) -> np.ndarray:
    """:meth:`SignalRule.sides` of a long frame (``symbol``, ``timestamp``, ``score``), one per row."""
    wide = frame.pivot(index="timestamp", columns="symbol", values=score).sort_index()
    sides = pd.DataFrame(rule.sides(wide.to_numpy(dtype="float64", na_value=np.nan)), index=wide.index,
                         columns=wide.columns)
    rows = sides.index.get_indexer(frame["timestamp"])
    columns = sides.columns.get_indexer(frame["symbol"])
    return sides.to_numpy()[rows, columns]


def rule_from_config(config: Config, task: str) -> SignalRule:
    """The configured rule: ``[backtest]``'s keys, the panel size of ``[models]
    min_cross_section``, the threshold levels from ``[predict] band`` around the task's neutral
    score (:func:`~alphaforge.predict.scores.score_thresholds`)."""
    short_below, long_above = score_thresholds(task, config.predict.band)
    shared = {f.name: getattr(config.backtest, f.name) for f in fields(SignalRule)
              if f.name in type(config.backtest).model_fields}
    return SignalRule(**shared, min_symbols=config.models.min_cross_section, long_above=long_above,
                      short_below=short_below)
