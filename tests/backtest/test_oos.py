"""The out-of-sample guard: in-sample predictions never reach a backtest silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.backtest import ModelStrategy, ensure_out_of_sample, run_backtest
from alphaforge.errors import InputError

TIMES = pd.date_range("2024-01-01", periods=10, freq="D", tz="UTC")
BARS = pd.DataFrame({"symbol": "A", "timestamp": TIMES, "close": np.linspace(100.0, 110.0, 10)})
PREDICTIONS = pd.DataFrame({"symbol": "A", "timestamp": TIMES, "prediction": np.tile([1.0, -1.0], 5)})
TRAINED = (TIMES[0], TIMES[4])  # the model saw the first five days


def test_a_backtest_overlapping_the_training_range_is_refused_naming_both_ranges_and_the_fix() -> None:
    with pytest.raises(InputError) as caught:
        run_backtest(BARS, ModelStrategy(PREDICTIONS, training_range=TRAINED))
    error = caught.value
    assert "2024-01-01 00:00:00+00:00 .. 2024-01-10" in error.message  # the backtest range
    assert "training range 2024-01-01 00:00:00+00:00 .. 2024-01-05" in error.message
    assert "start the backtest after 2024-01-05" in error.fix and "walk-forward" in error.fix
    assert error.exit_code == 2


def test_starting_after_the_training_range_or_walk_forward_predictions_are_accepted() -> None:
    after = run_backtest(BARS, ModelStrategy(PREDICTIONS, training_range=TRAINED), start=TIMES[5])
    assert after.equity.index[0] == TIMES[5]
    walk_forward = run_backtest(BARS, ModelStrategy(PREDICTIONS, training_range=TRAINED, walk_forward=True))
    assert len(walk_forward.equity) == 10


def test_walk_forward_rows_trained_up_to_their_own_time_are_refused() -> None:
    honest = PREDICTIONS.assign(trained_until=TIMES - pd.Timedelta(days=1))
    run_backtest(BARS, ModelStrategy(honest, training_range=TRAINED, walk_forward=True))
    leaky = honest.copy()
    leaky.loc[6, "trained_until"] = TIMES[6]
    with pytest.raises(InputError, match="1 prediction\\(s\\) come from a refit trained on data up to") as caught:
        run_backtest(BARS, ModelStrategy(leaky, training_range=TRAINED, walk_forward=True))
    assert "timestamp=2024-01-07" in caught.value.message


@pytest.mark.parametrize(("backtest", "training", "refused"), [
    (("2024-02-01", "2024-03-01"), ("2023-01-01", "2024-01-31"), False),
    (("2024-01-31", "2024-03-01"), ("2023-01-01", "2024-01-31"), True),  # ranges are inclusive
    (("2022-01-01", "2022-12-31"), ("2023-01-01", "2024-01-31"), False),  # before training: also unseen
    (("2022-01-01", "2025-01-01"), ("2023-01-01", "2024-01-31"), True),  # covers it
])
def test_overlap_rule(backtest: tuple[str, str], training: tuple[str, str], refused: bool) -> None:
    if refused:
        with pytest.raises(InputError, match="overlaps"):
            ensure_out_of_sample(backtest, training)
    else:
        ensure_out_of_sample(backtest, training)
    ensure_out_of_sample(backtest, training, walk_forward=True)
    ensure_out_of_sample(backtest, None)
