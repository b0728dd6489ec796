"""The out-of-sample guard: a backtest never trades on predictions of data the model saw.

Two checks. :func:`ensure_out_of_sample` refuses a backtest range that overlaps the model's
training range unless the predictions come from walk-forward refits (each made by a model
fitted on earlier data only). :func:`check_walk_forward_rows` checks those refits row by row
when predictions carry a ``trained_until`` column (the end of the data the refit that made
the row was trained on, label end times included): each must be before the row's timestamp.
"""

from __future__ import annotations

import pandas as pd

from alphaforge.errors import InputError
from alphaforge.timestamps import to_utc

TRAINED_UNTIL = "trained_until"


def ensure_out_of_sample(backtest_range: tuple[object, object], training_range: tuple[object, object] | None, *,
                         walk_forward: bool = False, model: str = "the model") -> None:
    """Refuse a backtest whose range overlaps the model's training range without walk-forward.

    Ranges are inclusive (start, end) pairs of times. ``training_range`` None means the model
    records none: nothing to compare, nothing refused.

    >>> ensure_out_of_sample(("2022-01-01", "2022-12-31"), ("2020-01-01", "2021-12-31"))
    >>> ensure_out_of_sample(("2021-06-01", "2022-12-31"), ("2020-01-01", "2021-12-31"))
    Traceback (most recent call last):
    ...
    alphaforge.errors.InputError: backtest range: the backtest range 2021-06-01 00:00:00+00:00 .. 2022-12-31 00:00:00+00:00 overlaps the model's training range 2020-01-01 00:00:00+00:00 .. 2021-12-31 00:00:00+00:00, so its predictions there are in-sample
      fix: start the backtest after 2021-12-31 00:00:00+00:00, or backtest walk-forward predictions (refits on earlier data only)
    """
    if training_range is None or walk_forward:
        return
    start, end = to_utc(backtest_range[0], "backtest start"), to_utc(backtest_range[1], "backtest end")
    trained_from, trained_to = to_utc(training_range[0], "training start"), to_utc(training_range[1], "training end")
    if start <= trained_to and trained_from <= end:
        raise InputError(
            f"the backtest range {start} .. {end} overlaps {model}'s training range {trained_from} .. {trained_to}, "
            "so its predictions there are in-sample",
            where="backtest range",
            fix=f"start the backtest after {trained_to}, or backtest walk-forward predictions "
                "(refits on earlier data only)")


def check_walk_forward_rows(predictions: pd.DataFrame) -> None:
    """Refuse walk-forward predictions made by a refit whose training data reaches the row's time."""
    if TRAINED_UNTIL not in predictions.columns:
        return
    late = (pd.to_datetime(predictions[TRAINED_UNTIL], utc=True) >= predictions["timestamp"]).to_numpy()
    if late.any():
        row = predictions.iloc[int(late.argmax())]
        raise InputError(
            f"{int(late.sum())} prediction(s) come from a refit trained on data up to or after their own time, "
            f"first symbol={row['symbol']}, timestamp={row['timestamp']}, {TRAINED_UNTIL}={row[TRAINED_UNTIL]}",
            where=f"predictions, column '{TRAINED_UNTIL}'",
            fix="refit walk-forward so that each prediction's model is trained (labels included) before it")
