"""Positions from a model's out-of-sample predictions.

Two rules. ``threshold``: each symbol on its own, long while the score is above
``long_above`` and short while it is below ``short_below`` (its own sub-account, as a
timing strategy). ``top_k``: across symbols at each timestamp, long the ``k`` highest scores
and short the ``k`` lowest (one shared account, weights summing to at most 1 in absolute
value). Sizing ``equal`` gives every position the same size; ``probability`` scales it by the
confidence ``|2p - 1|`` of a probability score ``p`` (0 at p = 0.5, 1 at p = 0 or 1), so it
needs scores in [0, 1].

Predictions are a long frame (``symbol``, ``timestamp``, the score column) whose timestamps
are bar ends: the score at ``t`` was known at ``t`` and the position it sets earns the
return after ``t``. The backtest refuses them where they would be in-sample
(:mod:`alphaforge.backtest.oos`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.backtest._checks import check_choice, check_number, suggestion
from alphaforge.backtest.oos import check_walk_forward_rows, ensure_out_of_sample
from alphaforge.backtest.strategies.base import (
    Strategy,
    check_direction,
    restrict_sides,
)
from alphaforge.errors import InputError

RULES = ("threshold", "top_k")
SIZINGS = ("equal", "probability")


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


class ModelStrategy(Strategy):
    """Target weights from prediction scores; see the module docstring for the rules.

    ``training_range`` (start, end) is the model's training data span; a backtest overlapping
    it is refused unless ``walk_forward`` says every prediction comes from a refit on
    earlier data (checked row by row when the predictions carry ``trained_until``).

    >>> times = pd.date_range("2024-01-01", periods=2, freq="D", tz="UTC")
    >>> predictions = pd.DataFrame({"symbol": ["A", "B", "A", "B"], "timestamp": times.repeat(2),
    ...                             "prediction": [0.9, 0.2, 0.4, 0.7]})
    >>> close = pd.DataFrame({"A": [1.0, 1.1], "B": [2.0, 2.1]}, index=times)
    >>> ModelStrategy(predictions, rule="top_k", k=1, direction="long_short").target_weights(close).values.tolist()
    [[0.5, -0.5], [-0.5, 0.5]]
    """

    name = "model"

    def __init__(self, predictions: pd.DataFrame, score: str = "prediction", rule: str = "threshold",
                 long_above: float = 0.0, short_below: float | None = None, k: int = 1,
                 direction: str = "long_only", sizing: str = "equal",
                 training_range: tuple[object, object] | None = None, walk_forward: bool = False) -> None:
        self.predictions = _check_predictions(predictions, score)
        self.score = score
        self.rule = check_choice(rule, RULES, "rule")
        self.long_above = check_number(long_above, "long_above")
        self.short_below = self.long_above if short_below is None else check_number(short_below, "short_below")
        if self.short_below > self.long_above:
            raise InputError(f"short_below={short_below} is above long_above={long_above}", where="short_below",
                             fix="pass short_below <= long_above, so no score is both long and short")
        self.k = int(check_number(k, "k", low=1, integer=True))
        self.direction = check_direction(direction)
        self.sizing = check_choice(sizing, SIZINGS, "sizing")
        self.training_range = training_range
        self.walk_forward = bool(walk_forward)
        if self.sizing == "probability":
            scores = self.predictions[score].to_numpy(dtype="float64")
            if ((scores < 0) | (scores > 1)).any():
                raise InputError(f"sizing='probability' needs scores in [0, 1]; column {score!r} has values outside",
                                 where=f"predictions, column '{score}'",
                                 fix="pass predicted probabilities, or use sizing='equal'")

    @property
    def accounts(self) -> str:  # type: ignore[override]
        """``per_symbol`` for the threshold rule, ``shared`` for top-k books."""
        return "per_symbol" if self.rule == "threshold" else "shared"

    def check_range(self, start: pd.Timestamp, end: pd.Timestamp) -> None:
        ensure_out_of_sample((start, end), self.training_range, walk_forward=self.walk_forward)
        if self.walk_forward:
            check_walk_forward_rows(self.predictions)

    def _scores(self, close: pd.DataFrame) -> np.ndarray:
        wide = self.predictions.pivot(index="timestamp", columns="symbol", values=self.score)
        unknown = wide.columns.difference(close.columns)
        if len(unknown):
            raise InputError(f"predictions name symbol {unknown[0]!r}, which the bars lack."
                             f"{suggestion(str(unknown[0]), map(str, close.columns))}", where="predictions",
                             fix="predict for the backtested symbols only")
        outside = wide.index.difference(close.index)
        if len(outside):
            raise InputError(f"{len(outside)} prediction time(s) have no bar, first {outside[0]}", where="predictions",
                             fix="predictions are stamped with the bar end (UTC) of the bar they were made at")
        return wide.reindex(index=close.index, columns=close.columns).to_numpy(dtype="float64", na_value=np.nan)

    def _sizes(self, scores: np.ndarray) -> np.ndarray:
        return np.abs(2.0 * scores - 1.0) if self.sizing == "probability" else np.ones_like(scores)

    def target_weights(self, close: pd.DataFrame) -> pd.DataFrame:
        scores = self._scores(close)
        if self.rule == "threshold":
            side = np.where(scores > self.long_above, 1.0, np.where(scores < self.short_below, -1.0, 0.0))
            weights = restrict_sides(side, self.direction) * self._sizes(scores)
        else:
            frame = pd.DataFrame(scores)
            top = frame.rank(axis=1, method="first", ascending=False).to_numpy() <= self.k
            bottom = frame.rank(axis=1, method="first", ascending=True).to_numpy() <= self.k
            side = restrict_sides(np.where(top, 1.0, np.where(bottom, -1.0, 0.0)), self.direction)
            books = 2 if self.direction == "long_short" else 1
            weights = side * self._sizes(scores) / (books * self.k)
        return pd.DataFrame(np.where(np.isnan(scores), np.nan, weights), index=close.index, columns=close.columns)
