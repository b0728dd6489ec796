"""Strategies: a contract every registered one passes, plus worked cases per strategy."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.backtest import (
    STRATEGIES,
    MeanReversion,
    ModelStrategy,
    Strategy,
    TrendBaseline,
    make_strategy,
)
from alphaforge.backtest.strategies.trend_baseline import exponential_average
from alphaforge.errors import InputError


def random_close(seed: int, n_bars: int = 400, symbols: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    times = pd.date_range("2024-01-01", periods=n_bars, freq="h", tz="UTC")
    close = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_bars, symbols)), axis=0)), index=times,
                         columns=[f"S{i}" for i in range(symbols)])
    if symbols > 1:
        close.iloc[:30, 1] = np.nan  # a symbol listed later
    return close


def momentum_predictions(close: pd.DataFrame) -> pd.DataFrame:
    """Scores from the past 5-bar return: known at each row's time, like real predictions."""
    scores = close.pct_change(5, fill_method=None)
    long = scores.stack().rename("prediction").reset_index()
    return long.rename(columns={"level_0": "timestamp", "level_1": "symbol"})[["symbol", "timestamp", "prediction"]]


FACTORIES: dict[str, Callable[[pd.DataFrame], Strategy]] = {
    "trend_baseline": lambda close: TrendBaseline(fast=5, slow=20, direction="long_short"),
    "mean_reversion": lambda close: MeanReversion(window=5, direction="long_short"),
    "model": lambda close: ModelStrategy(momentum_predictions(close), rule="top_k", k=1, direction="long_short"),
}
MODEL_RULES: dict[str, Callable[[pd.DataFrame], Strategy]] = {
    "model-quantile": lambda close: ModelStrategy(momentum_predictions(close), rule="quantile", quantile=0.34,
                                                  direction="long_short"),
    "model-rolling": lambda close: ModelStrategy(momentum_predictions(close), rule="rolling", window=40,
                                                 min_periods=10, direction="long_short"),
}


def test_every_registered_strategy_has_a_contract_factory() -> None:
    assert set(FACTORIES) == set(STRATEGIES)


@pytest.mark.parametrize("name", sorted([*STRATEGIES, *MODEL_RULES]))
def test_contract_shape_range_and_no_look_ahead(name: str) -> None:
    close = random_close(0)
    factory = {**FACTORIES, **MODEL_RULES}[name]
    weights = factory(close).target_weights(close)
    assert weights.index.equals(close.index) and weights.columns.equals(close.columns)
    values = weights.to_numpy()
    assert np.all(np.isnan(values) | (np.abs(values) <= 1.0))
    assert np.nanmax(np.abs(values)) > 0  # it trades at all
    assert np.isnan(values[:30, 1]).all() or (values[:30, 1] == 0).all()  # nothing before a listing
    for cut in (60, 200, 333):  # the weight at t from data up to t only
        early = close.iloc[:cut]
        truncated = factory(early).target_weights(early)
        pd.testing.assert_frame_equal(truncated, weights.iloc[:cut])


def test_the_ema_is_the_recursive_one() -> None:
    close = random_close(1)
    filled = close.ffill().bfill()
    expected = filled.ewm(span=12, adjust=False).mean().to_numpy()
    np.testing.assert_allclose(exponential_average(filled.to_numpy(), 12), expected, rtol=1e-12)


def test_trend_baseline_follows_the_crossover_after_warm_up() -> None:
    close = random_close(2)
    weights = TrendBaseline(fast=5, slow=20).target_weights(close)
    filled = close.ffill().bfill()
    above = filled.ewm(span=5, adjust=False).mean() > filled.ewm(span=20, adjust=False).mean()
    np.testing.assert_array_equal(weights.iloc[20:, 0].to_numpy(), above.iloc[20:, 0].to_numpy().astype(float))
    assert weights.iloc[:20].isna().all().all()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), direction=st.sampled_from(["long_only", "short_only", "long_short"]))
def test_mean_reversion_equals_a_naive_state_machine(seed: int, direction: str) -> None:
    close = random_close(seed, n_bars=200, symbols=1)
    strategy = MeanReversion(window=4, lower=35.0, upper=65.0, exit=50.0, direction=direction)
    strength = strategy.indicator(close)[:, 0]
    state, expected = 0.0, []
    for value in strength:
        if np.isnan(value):
            expected.append(np.nan)
            continue
        if value < 35:
            state = 1.0
        elif value > 65:
            state = -1.0
        elif (state > 0 and value >= 50) or (state < 0 and value <= 50):
            state = 0.0
        allowed = {"long_only": state > 0, "short_only": state < 0, "long_short": True}[direction]
        expected.append(state if allowed else 0.0)
    np.testing.assert_array_equal(strategy.target_weights(close).iloc[:, 0].to_numpy(), np.array(expected))


def test_model_threshold_long_short_and_probability_sizing() -> None:
    times = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")
    close = pd.DataFrame({"A": [1.0, 1.0, 1.0]}, index=times)
    predictions = pd.DataFrame({"symbol": "A", "timestamp": times, "probability": [0.8, 0.5, 0.1]})
    equal = ModelStrategy(predictions, score="probability", rule="threshold", long_above=0.55, short_below=0.45,
                          direction="long_short")
    assert equal.target_weights(close)["A"].tolist() == [1.0, 0.0, -1.0]
    scaled = ModelStrategy(predictions, score="probability", rule="threshold", long_above=0.55, short_below=0.45,
                           direction="long_short", sizing="probability")
    np.testing.assert_allclose(scaled.target_weights(close)["A"], [0.6, 0.0, -0.8])
    assert equal.accounts == "per_symbol"


def test_model_top_k_books_are_shared_and_fully_invested() -> None:
    times = pd.date_range("2024-01-01", periods=1, freq="D", tz="UTC")
    close = pd.DataFrame({s: [1.0] for s in "ABCDE"}, index=times)
    predictions = pd.DataFrame({"symbol": list("ABCDE"), "timestamp": times[0], "prediction": [5, 1, 4, 2, 3.0]})
    strategy = ModelStrategy(predictions, rule="top_k", k=2, direction="long_short")
    assert strategy.target_weights(close).iloc[0].tolist() == [0.25, -0.25, 0.25, -0.25, 0.0]
    long_only = ModelStrategy(predictions, rule="top_k", k=2)
    assert long_only.target_weights(close).iloc[0].tolist() == [0.5, 0.0, 0.5, 0.0, 0.0]
    assert strategy.accounts == "shared"


def test_model_quantile_books_are_equal_weight_and_a_missing_book_stays_in_cash() -> None:
    times = pd.date_range("2024-01-01", periods=2, freq="D", tz="UTC")
    close = pd.DataFrame({s: [1.0, 1.0] for s in "ABCD"}, index=times)
    predictions = pd.DataFrame({"symbol": list("ABCD") * 2, "timestamp": times.repeat(4),
                                "prediction": [0.4, 0.1, 0.3, 0.2, 0.5, np.nan, 0.5, 0.1]})
    strategy = ModelStrategy(predictions.dropna(), rule="quantile", quantile=0.5, direction="long_short")
    weights = strategy.target_weights(close).to_numpy()
    np.testing.assert_array_equal(weights[0], [0.25, -0.25, 0.25, -0.25])  # gross exposure 1, dollar neutral
    np.testing.assert_array_equal(weights[1], [0.0, np.nan, 0.0, -0.5])  # A and C tie at the top: no long book
    assert strategy.accounts == "shared"


def test_the_default_rule_ranks_a_panel_instead_of_buying_every_tiny_positive_score() -> None:
    times = pd.date_range("2024-01-01", periods=30, freq="D", tz="UTC")
    symbols = [f"S{i:02d}" for i in range(21)]
    rng = np.random.default_rng(0)
    predictions = pd.DataFrame({"symbol": symbols * 30, "timestamp": times.repeat(21),
                                "prediction": 0.0034 + rng.normal(0, 1e-5, 30 * 21)})
    close = pd.DataFrame(1.0, index=times, columns=symbols)
    strategy = ModelStrategy(predictions)
    weights = strategy.target_weights(close)
    assert strategy.signal_rule.rule == "quantile" and strategy.accounts == "shared"
    assert ((weights > 0).sum(axis=1) == 4).all()  # the top fifth of 21 names, not all 21
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)


def test_the_default_rule_times_one_symbol_by_its_past_scores_not_their_sign() -> None:
    times = pd.date_range("2024-01-01", periods=400, freq="h", tz="UTC")
    scores = -1.5e-6 + np.random.default_rng(1).normal(0, 1e-7, 400)  # every score below zero
    predictions = pd.DataFrame({"symbol": "A", "timestamp": times, "prediction": scores})
    strategy = ModelStrategy(predictions, direction="long_short")
    weights = strategy.target_weights(pd.DataFrame({"A": 1.0}, index=times))["A"].to_numpy()
    assert strategy.signal_rule.rule == "rolling" and strategy.accounts == "per_symbol"
    assert (weights[:50] == 0).all()  # warm-up: fewer than min_periods past scores
    assert 0.1 < (weights[50:] < 0).mean() < 0.3 and 0.1 < (weights[50:] > 0).mean() < 0.3


@pytest.mark.parametrize(("build", "message"), [
    (lambda p: ModelStrategy(p, score="predicton"), "did you mean 'prediction'"),
    (lambda p: ModelStrategy(p, sizing="probability"), "scores in \\[0, 1\\]"),
    (lambda p: ModelStrategy(p, long_above=0.4, short_below=0.6), "short_below=0.6 is above"),
    (lambda p: ModelStrategy(p, rule="topk"), "did you mean 'top_k'"),
    (lambda p: ModelStrategy(p, k=0), "k=0 is outside"),
    (lambda p: ModelStrategy(p, quantile=0.6), "quantile=0.6 is outside"),
    (lambda p: ModelStrategy(p, quantile=0), "quantile=0 holds no share"),
    (lambda p: ModelStrategy(p, lower=0.9, upper=0.8), "lower=0.9 is outside \\[0.0, 0.8\\]"),
    (lambda p: ModelStrategy(p, window=20, min_periods=30), "min_periods=30 is outside"),
    (lambda p: ModelStrategy(p, rule="quantil"), "did you mean 'quantile'"),
    (lambda p: TrendBaseline(fast=50, slow=20), "not shorter"),
    (lambda p: MeanReversion(lower=60), "not increasing"),
    (lambda p: TrendBaseline(direction="long"), "did you mean 'long_only'"),
])
def test_bad_hyperparameters_are_refused(build: Callable, message: str) -> None:
    predictions = pd.DataFrame({"symbol": ["A"], "timestamp": [pd.Timestamp("2024-01-01", tz="UTC")],
                                "prediction": [1.5]})
    with pytest.raises(InputError, match=message):
        build(predictions)


def test_predictions_for_symbols_the_bars_lack_name_both_sets() -> None:
    """A model trained on two symbols predicts those two: the error names them and the bars' symbols,
    not the look-alike SYN04 for SYN00."""
    close = random_close(3, symbols=5).set_axis([f"SYN{i:02d}" for i in range(5)], axis=1)
    predictions = momentum_predictions(close[["SYN00", "SYN01"]])
    with pytest.raises(InputError) as error:
        ModelStrategy(predictions).target_weights(close[["SYN02", "SYN03", "SYN04"]])
    message = str(error.value)
    assert "SYN00, SYN01" in message and "the bars hold SYN02, SYN03, SYN04" in message
    assert "did you mean" not in message and "[data] symbols" in error.value.fix


def test_the_registry_builds_by_name_and_refuses_unknown_parameters() -> None:
    strategy = make_strategy("mean_reversion", window=7)
    assert strategy.get_params() == {"window": 7, "lower": 30.0, "upper": 70.0, "exit": 50.0,
                                     "direction": "long_only"}
    with pytest.raises(InputError, match="did you mean 'window'"):
        make_strategy("mean_reversion", windw=7)
    with pytest.raises(InputError, match="did you mean 'mean_reversion'"):
        make_strategy("mean_reverson")


def test_predictions_for_unknown_symbols_or_times_are_refused() -> None:
    close = random_close(3)
    predictions = momentum_predictions(close)
    renamed = predictions.assign(symbol=predictions["symbol"].replace({"S0": "S0X"}))
    with pytest.raises(InputError, match="symbol\\(s\\) S0X, which the bars lack"):
        ModelStrategy(renamed).target_weights(close)
    with pytest.raises(InputError, match="have no bar"):
        ModelStrategy(predictions).target_weights(close.iloc[:100])
