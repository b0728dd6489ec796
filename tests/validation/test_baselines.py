"""The baselines a model must beat: their windows, their formulas by hand, their causality, the
best single feature, and the figures they give on the bundled S&P 500 stocks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alphaforge.data.bundled import load_bundled
from alphaforge.errors import InputError
from alphaforge.validation import (
    BaselineWindows,
    baseline_frames,
    baseline_windows,
    best_single_feature,
    ic_statistics,
    momentum,
    reversal,
    timestamp_ic,
)


@pytest.mark.parametrize(("bars_per_year", "expected"), [
    (252, BaselineWindows(lookback=252, skip=21, reversal=5)),       # daily stocks
    (251.7, BaselineWindows(lookback=252, skip=21, reversal=5)),     # as inferred from a calendar
    (8766, BaselineWindows(lookback=8766, skip=730, reversal=168)),  # 24/7 hours
    (52, BaselineWindows(lookback=52, skip=4, reversal=1)),          # weeks
    (12, BaselineWindows(lookback=12, skip=1, reversal=1)),          # months
])
def test_baseline_windows(bars_per_year: float, expected: BaselineWindows) -> None:
    assert baseline_windows(bars_per_year) == expected


def test_too_few_bars_per_year_is_an_input_error() -> None:
    with pytest.raises(InputError, match="bars_per_year"):
        baseline_windows(4)


CLOSE = pd.DataFrame({"A": [100.0, 110.0, 121.0, 100.0, 90.0], "B": [10.0, 10.0, 20.0, 20.0, 40.0]},
                     index=pd.date_range("2024-01-01", periods=5, freq="D", tz="UTC"))


def test_momentum_and_reversal_by_hand() -> None:
    mom = momentum(CLOSE, lookback=3, skip=1)
    assert mom["A"].iloc[:3].isna().all()
    assert mom["A"].iloc[3] == pytest.approx(math.log(121 / 100))  # log close[t-1] - log close[t-3]
    assert mom["B"].iloc[4] == pytest.approx(math.log(20 / 10))
    rev = reversal(CLOSE, window=2)
    assert rev["A"].iloc[4] == pytest.approx(-math.log(90 / 121))
    assert rev["B"].iloc[2] == pytest.approx(-math.log(20 / 10))
    with pytest.raises(InputError, match="skip"):
        momentum(CLOSE, lookback=3, skip=3)


def test_baselines_read_only_the_past() -> None:
    close = np.exp(pd.DataFrame(np.random.default_rng(0).normal(0, 0.01, (80, 4)).cumsum(axis=0),
                                index=pd.date_range("2024-01-01", periods=80, freq="D", tz="UTC")))
    for factor in (lambda c: momentum(c, 20, 5), lambda c: reversal(c, 5)):
        full = factor(close)
        for end in (30, 50, 79):
            pd.testing.assert_frame_equal(factor(close.iloc[:end + 1]), full.iloc[:end + 1])


def test_baseline_frames_score_exactly_the_prediction_rows() -> None:
    predictions = pd.DataFrame({"symbol": ["A", "B", "A", "C"],
                                "timestamp": CLOSE.index[[3, 3, 4, 4]], "score": 9.0,
                                "label": [0.1, 0.2, 0.3, 0.4], "fold": 1})
    frames = baseline_frames(predictions, CLOSE, bars_per_year=36)  # lookback 36, skip 3, reversal 1
    assert set(frames) == {"momentum_12_1", "reversal_1w"}
    reversal_frame = frames["reversal_1w"]
    pd.testing.assert_frame_equal(reversal_frame.drop(columns="score"), predictions.drop(columns="score"))
    expected = [-math.log(100 / 121), -math.log(20 / 20), -math.log(90 / 100), math.nan]  # C: no closes
    np.testing.assert_allclose(reversal_frame["score"], expected)
    assert frames["momentum_12_1"]["score"].isna().all()  # five bars cannot reach 36 back


def sp500_predictions() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of the 20 bundled stocks over the issue's test windows, labelled by the 5-bar return."""
    bars = load_bundled("sp500")
    close = bars[bars["symbol"] != "SP500"].pivot(index="timestamp", columns="symbol", values="close")
    forward = (close.shift(-5) / close - 1).rename_axis(index="timestamp", columns="symbol")
    rows = forward.loc["1995-06-28":"2022-12-20"].stack().rename("label").reset_index()
    return rows.assign(score=0.0), close


def test_baselines_on_the_bundled_sp500_give_the_published_figures() -> None:
    predictions, close = sp500_predictions()
    assert predictions["symbol"].nunique() == 20 and predictions["timestamp"].nunique() == 6920
    frames = baseline_frames(predictions, close)
    figures = {name: ic_statistics(timestamp_ic(frame), horizon=5) for name, frame in frames.items()}
    assert figures["momentum_12_1"]["mean"] == pytest.approx(0.030, abs=0.001)
    assert figures["momentum_12_1"]["t_nonoverlap"] == pytest.approx(3.6, abs=0.1)
    assert figures["reversal_1w"]["mean"] == pytest.approx(0.014, abs=0.001)
    assert figures["reversal_1w"]["t_nonoverlap"] == pytest.approx(2.6, abs=0.1)


def training_rows(n_times: int, n_names: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Features of a panel: one weakly informative (negatively), one strongly, noise, a constant."""
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n_times * n_names)
    X = pd.DataFrame({"noise": rng.normal(size=len(y)), "weak": -0.2 * y + rng.normal(size=len(y)),
                      "strong_negative": -y + rng.normal(size=len(y)) * 0.5,
                      "market": np.repeat(rng.normal(size=n_times), n_names)})
    X.loc[:50, "strong_negative"] = math.nan  # a warm-up
    timestamps = np.repeat(pd.date_range("2020-01-01", periods=n_times, freq="h", tz="UTC"), n_names)
    return X, y, timestamps


def test_best_single_feature_keeps_the_sign_and_ignores_market_wide_features() -> None:
    X, y, timestamps = training_rows(400, 10, seed=1)
    assert best_single_feature(X, y, timestamps) == ("strong_negative", -1)
    assert best_single_feature(X[["noise", "weak", "market"]], y, timestamps) == ("weak", -1)
    assert best_single_feature(X[["weak"]], -y, timestamps) == ("weak", 1)


def test_best_single_feature_on_a_subsample_of_timestamps() -> None:
    X, y, timestamps = training_rows(3000, 8, seed=2)
    assert best_single_feature(X[["noise", "weak"]], y, timestamps, max_timestamps=100) == ("weak", -1)
    shuffled = np.random.default_rng(0).permutation(len(y))  # row order does not matter
    assert best_single_feature(X.iloc[shuffled].reset_index(drop=True), y[shuffled], timestamps[shuffled],
                               max_timestamps=100) == ("strong_negative", -1)


def test_best_single_feature_needs_a_feature_that_ranks() -> None:
    X, y, timestamps = training_rows(20, 5, seed=3)
    with pytest.raises(InputError, match="no feature"):
        best_single_feature(X[["market"]], y, timestamps)
    with pytest.raises(InputError, match="row for row"):
        best_single_feature(X, y[:-1], timestamps)


def test_best_single_feature_on_several_threads_picks_the_one_thread_feature(monkeypatch) -> None:
    """The feature blocks' ICs on one thread per usable CPU: the same pick and sign as on one
    thread, wherever in the columns the best feature sits (blocks are joined in column order)."""
    X, y, timestamps = training_rows(2500, 10, seed=4)  # 25 000 rows: above the threaded threshold
    noise = pd.DataFrame(np.random.default_rng(5).normal(size=(len(y), 20)), columns=[f"n{i}" for i in range(20)])
    wide = pd.concat([noise.iloc[:, :11], X[["weak"]], noise.iloc[:, 11:]], axis=1)  # "weak" in the second block
    monkeypatch.setenv("ALPHAFORGE_THREADS", "1")
    one = best_single_feature(wide, y, timestamps)
    monkeypatch.setenv("ALPHAFORGE_THREADS", "2")
    assert best_single_feature(wide, y, timestamps) == one == ("weak", -1)
