"""Positions from a model's out-of-sample predictions.

The sides come from :mod:`alphaforge.predict.signals`, the rule `alphaforge predict` uses too
(``auto`` by default: ``quantile`` across the symbols of a panel, ``rolling`` past-score
quantiles for a single symbol; ``top_k`` and ``threshold`` when asked for). Cross-sectional
rules (``quantile``, ``top_k``) hold one shared account, with half of it per book when
long-short (so gross exposure 1, dollar neutral): ``quantile`` splits a book equally among its
names (a book without names stays in cash), ``top_k`` gives each name ``1 / k`` of its book.
Per-symbol rules (``rolling``, ``threshold``) give each symbol its own sub-account, all in
(+1 or -1) or flat. Sizing ``equal`` keeps those sizes; ``probability`` scales them by the
confidence ``|2p - 1|`` of a probability score ``p`` (0 at p = 0.5, 1 at p = 0 or 1), so it
needs scores in [0, 1].

Predictions are a long frame (``symbol``, ``timestamp``, the score column) whose timestamps
are bar ends: the score at ``t`` was known at ``t`` and the position it sets earns the
return after ``t``. The backtest refuses them where they would be in-sample
(:mod:`alphaforge.backtest.oos`).
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd

from alphaforge.backtest._checks import check_choice, check_number, suggestion
from alphaforge.backtest.oos import check_walk_forward_rows, ensure_out_of_sample
from alphaforge.backtest.strategies.base import Strategy, check_direction
from alphaforge.data.schema import wide_table
from alphaforge.errors import InputError
from alphaforge.predict.signals import RULES, SignalRule

SIZINGS = ("equal", "probability")
DEFAULT_RULE = SignalRule()


def _check_predictions(predictions: object, score: str) -> pd.DataFrame:
    if not isinstance(predictions, pd.DataFrame):
        raise InputError(f"predictions must be a DataFrame, got {type(predictions).__name__}", where="predictions",
                         fix="pass a long frame with columns symbol, timestamp and the score")
    for column in ("symbol", "timestamp", score):
        if column not in predictions.columns:
            raise InputError(f"predictions lack column {column!r}.{suggestion(column, map(str, predictions.columns))}",
                             where="predictions", fix=f"columns found: {list(predictions.columns)}")
    if predictions.duplicated(["symbol", "timestamp"]).any():
        raise InputError("predictions repeat a (symbol, timestamp) pair", where="predictions",
                         fix="keep one prediction per symbol and bar")
    return predictions


def _listed(symbols: pd.Index, limit: int = 10) -> str:
    """``A, B, C`` (the first ``limit``, then how many more)."""
    names = [str(s) for s in symbols]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


class ModelStrategy(Strategy):
    """Target weights from prediction scores; see the module docstring for the rules.

    The rule's parameters are those of :class:`~alphaforge.predict.signals.SignalRule`
    (``short_below`` defaults to ``long_above``). ``training_range`` (start, end) is the
    model's training data span; a backtest overlapping it is refused unless ``walk_forward``
    says every prediction comes from a refit on earlier data (checked row by row when the
    predictions carry ``trained_until``). ``signal_rule`` is the rule the positions follow,
    with ``auto`` resolved for these predictions.

    >>> times = pd.date_range("2024-01-01", periods=2, freq="D", tz="UTC")
    >>> predictions = pd.DataFrame({"symbol": ["A", "B", "A", "B"], "timestamp": times.repeat(2),
    ...                             "prediction": [0.9, 0.2, 0.4, 0.7]})
    >>> close = pd.DataFrame({"A": [1.0, 1.1], "B": [2.0, 2.1]}, index=times)
    >>> ModelStrategy(predictions, rule="top_k", k=1, direction="long_short").target_weights(close).values.tolist()
    [[0.5, -0.5], [-0.5, 0.5]]
    """

    name = "model"

    def __init__(self, predictions: pd.DataFrame, score: str = "prediction", rule: str = DEFAULT_RULE.rule,
                 direction: str = DEFAULT_RULE.direction, quantile: float = DEFAULT_RULE.quantile,
                 min_symbols: int = DEFAULT_RULE.min_symbols, k: int = DEFAULT_RULE.k,
                 window: int = DEFAULT_RULE.window, upper: float = DEFAULT_RULE.upper,
                 lower: float = DEFAULT_RULE.lower, min_periods: int = DEFAULT_RULE.min_periods,
                 long_above: float = DEFAULT_RULE.long_above, short_below: float | None = None,
                 sizing: str = "equal", training_range: tuple[object, object] | None = None,
                 walk_forward: bool = False) -> None:
        self.predictions = _check_predictions(predictions, score)
        self.score = score
        self.rule = check_choice(rule, RULES, "rule")
        self.direction = check_direction(direction)
        self.quantile = check_number(quantile, "quantile", low=0.0, high=0.5)
        if self.quantile == 0:
            raise InputError("quantile=0 holds no share of the symbols", where="quantile",
                             fix="pass a share in (0, 0.5], e.g. 0.2 for the top and bottom fifth")
        self.min_symbols = int(check_number(min_symbols, "min_symbols", low=1, integer=True))
        self.k = int(check_number(k, "k", low=1, integer=True))
        self.window = int(check_number(window, "window", low=2, integer=True))
        self.upper = check_number(upper, "upper", low=0.0, high=1.0)
        self.lower = check_number(lower, "lower", low=0.0, high=self.upper)
        self.min_periods = int(check_number(min_periods, "min_periods", low=1, high=self.window, integer=True))
        self.long_above = check_number(long_above, "long_above")
        self.short_below = self.long_above if short_below is None else check_number(short_below, "short_below")
        if self.short_below > self.long_above:
            raise InputError(f"short_below={short_below} is above long_above={long_above}", where="short_below",
                             fix="pass short_below <= long_above, so no score is both long and short")
        self.sizing = check_choice(sizing, SIZINGS, "sizing")
        self.training_range = training_range
        self.walk_forward = bool(walk_forward)
        if self.sizing == "probability":
            scores = self.predictions[score].to_numpy(dtype="float64")
            if ((scores < 0) | (scores > 1)).any():
                raise InputError(f"sizing='probability' needs scores in [0, 1]; column {score!r} has values outside",
                                 where=f"predictions, column '{score}'",
                                 fix="pass predicted probabilities, or use sizing='equal'")
        scored = pd.DatetimeIndex(self.predictions.loc[self.predictions[score].notna(), "timestamp"]).asi8
        self.signal_rule = SignalRule(**{f.name: getattr(self, f.name) for f in fields(SignalRule)}).resolve(scored)

    @property
    def accounts(self) -> str:  # type: ignore[override]
        """``shared`` for cross-sectional books (quantile, top-k), ``per_symbol`` otherwise."""
        return "shared" if self.signal_rule.cross_sectional else "per_symbol"

    def check_range(self, start: pd.Timestamp, end: pd.Timestamp) -> None:
        ensure_out_of_sample((start, end), self.training_range, walk_forward=self.walk_forward)
        if self.walk_forward:
            check_walk_forward_rows(self.predictions)

    def _scores(self, close: pd.DataFrame) -> np.ndarray:
        wide = wide_table(self.predictions, self.score, source="predictions")
        unknown = wide.columns.difference(close.columns)
        if len(unknown):  # a model predicts the symbols it was trained on: name both sets, not a look-alike
            raise InputError(f"the predictions are for symbol(s) {_listed(unknown)}, which the bars lack (the bars "
                             f"hold {_listed(close.columns)})", where="predictions",
                             fix="backtest bars that hold the predicted symbols (a model trades the symbols it "
                                 "was trained on: include them in [data] symbols), or predict the backtested ones")
        outside = wide.index.difference(close.index)
        if len(outside):
            raise InputError(f"{len(outside)} prediction time(s) have no bar, first {outside[0]}", where="predictions",
                             fix="predictions are stamped with the bar end (UTC) of the bar they were made at")
        return wide.reindex(index=close.index, columns=close.columns).to_numpy(dtype="float64", na_value=np.nan)

    def _sizes(self, scores: np.ndarray) -> np.ndarray:
        return np.abs(2.0 * scores - 1.0) if self.sizing == "probability" else np.ones_like(scores)

    def target_weights(self, close: pd.DataFrame) -> pd.DataFrame:
        scores = self._scores(close)
        side = self.signal_rule.sides(scores)
        weights = side * self._sizes(scores)
        books = 2 if self.direction == "long_short" else 1
        if self.signal_rule.rule == "top_k":
            weights = weights / (books * self.k)
        elif self.signal_rule.rule == "quantile":  # each book 1 / books of the account, its names equal
            longs = np.sum(side > 0, axis=1, keepdims=True)
            shorts = np.sum(side < 0, axis=1, keepdims=True)
            weights = weights / (books * np.maximum(np.where(side < 0, shorts, longs), 1))
        return pd.DataFrame(weights, index=close.index, columns=close.columns)
