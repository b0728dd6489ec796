"""The signal rules: hand-computed cases, a naive loop, causality, scale, and the auto choice."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alphaforge.backtest import ModelStrategy
from alphaforge.config import Config
from alphaforge.predict.signals import RULES, SignalRule, long_sides, rule_from_config

NAN = np.nan
PANEL = np.array([  # 3 timestamps x 4 symbols
    [0.4, 0.1, 0.3, 0.2],  # distinct: one name a side at 25 %
    [0.5, NAN, 0.5, 0.1],  # B unscored; A and C tie at the top
    [0.2, 0.2, 0.2, 0.2],  # all tied: the model prefers nobody
])


@pytest.mark.parametrize(("quantile", "direction", "expected"), [
    (0.25, "long_short", [[1, -1, 0, 0], [0, NAN, 0, -1], [0, 0, 0, 0]]),
    (0.25, "long_only", [[1, 0, 0, 0], [0, NAN, 0, 0], [0, 0, 0, 0]]),
    (0.25, "short_only", [[0, -1, 0, 0], [0, NAN, 0, -1], [0, 0, 0, 0]]),
    # half of 4 is two names a side; half of 3 is one name, and the top one is a tie
    (0.5, "long_short", [[1, -1, 1, -1], [0, NAN, 0, -1], [0, 0, 0, 0]]),
    (0.5, "long_only", [[1, 0, 1, 0], [0, NAN, 0, 0], [0, 0, 0, 0]]),
])
def test_quantile_sides_on_a_hand_computed_panel(quantile: float, direction: str, expected: list) -> None:
    sides = SignalRule(rule="quantile", quantile=quantile, direction=direction).sides(PANEL)
    np.testing.assert_array_equal(sides, np.array(expected, dtype=float))


def test_quantile_keeps_at_least_one_name_and_books_never_overlap() -> None:
    one = SignalRule(rule="quantile", quantile=0.1)  # 10 % of 3 names rounds to none: one name still
    np.testing.assert_array_equal(one.sides(np.array([[0.1, 0.3, 0.2]])), [[0, 1, 0]])
    alone = SignalRule(rule="quantile", quantile=0.5, direction="long_short")
    np.testing.assert_array_equal(alone.sides(np.array([[0.7, NAN]])), [[0, NAN]])  # one name: nothing to rank


SERIES = np.array([1, 3, 9, 5, 7, 0, 6, 2, 2, 7], dtype=float)
# window 4, min_periods 3, quantiles 0.25 / 0.75 of the scores *before* t:
#   t0-t2 warm-up (0, 1, 2 past scores); t3 [1 3 9]: 2 < 5 < 6 flat; t4 [1 3 9 5]: 7 > 6 long;
#   t5 [3 9 5 7]: 0 < 4.5 short; t6 [9 5 7 0]: 3.75 < 6 < 7.5 flat; t7 [5 7 0 6]: 2 < 3.75 short;
#   t8 [7 0 6 2]: 1.5 < 2 < 6.25 flat; t9 [0 6 2 2]: 7 > 3 long.
# Had t's own score been in its window, t2 ([1 3 9], 9 > 6) would be long.
ROLLING = SignalRule(rule="rolling", window=4, min_periods=3, upper=0.75, lower=0.25, direction="long_short")


def test_rolling_sides_on_a_hand_computed_series_with_warm_up() -> None:
    np.testing.assert_array_equal(ROLLING.sides(SERIES[:, None])[:, 0], [0, 0, 0, 0, 1, -1, 0, -1, 0, 1])
    long_only = replace(ROLLING, direction="long_only")
    np.testing.assert_array_equal(long_only.sides(SERIES[:, None])[:, 0], [0, 0, 0, 0, 1, 0, 0, 0, 0, 1])


def test_rolling_skips_a_symbols_gaps_and_keeps_them_unscored() -> None:
    gapped = np.full(14, NAN)
    rows = [0, 1, 3, 4, 5, 8, 9, 10, 11, 13]
    gapped[rows] = SERIES
    sides = ROLLING.sides(gapped[:, None])[:, 0]
    np.testing.assert_array_equal(sides[rows], ROLLING.sides(SERIES[:, None])[:, 0])
    assert np.isnan(np.delete(sides, rows)).all()


@settings(max_examples=40, deadline=None)
@given(values=arrays(np.float64, st.integers(1, 60), elements=st.floats(-1e3, 1e3, allow_nan=False)),
       window=st.integers(2, 12), min_periods=st.integers(1, 12),
       quantiles=st.tuples(st.floats(0.01, 0.99), st.floats(0.01, 0.99)))
def test_rolling_equals_a_naive_loop(values: np.ndarray, window: int, min_periods: int,
                                     quantiles: tuple[float, float]) -> None:
    lower, upper = sorted(quantiles)
    min_periods = min(min_periods, window)
    rule = SignalRule(rule="rolling", window=window, min_periods=min_periods, upper=upper, lower=lower,
                      direction="long_short")
    expected = []
    for t, value in enumerate(values):
        past = values[max(0, t - window):t]
        if len(past) < min_periods:
            expected.append(0.0)
            continue
        high, low = np.quantile(past, upper), np.quantile(past, lower)
        expected.append(1.0 if value > high else -1.0 if value < low else 0.0)
    found = rule.sides(values[:, None])[:, 0]
    close = [t for t, v in enumerate(values) if len(values[max(0, t - window):t]) >= min_periods
             and np.isclose(v, [np.quantile(values[max(0, t - window):t], q) for q in (lower, upper)],
                            rtol=1e-12, atol=1e-12).any()]
    keep = np.setdiff1d(np.arange(len(values)), close)  # a score on its threshold: interpolation rounding decides
    np.testing.assert_array_equal(found[keep], np.array(expected)[keep])


@pytest.mark.parametrize("rule", [r for r in RULES if r != "auto"])
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.integers(1, 39))
def test_changing_a_future_score_never_changes_a_past_side_or_weight(rule: str, seed: int, cut: int) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(40, 5))
    scores[rng.random(scores.shape) < 0.1] = NAN
    changed = scores.copy()
    changed[cut:] = rng.normal(size=changed[cut:].shape) * 100
    signal_rule = SignalRule(rule=rule, window=8, min_periods=3, k=2, quantile=0.4, direction="long_short")
    np.testing.assert_array_equal(signal_rule.sides(scores)[:cut], signal_rule.sides(changed)[:cut])

    times = pd.date_range("2024-01-01", periods=40, freq="D", tz="UTC")
    close = pd.DataFrame(1.0, index=times, columns=list("ABCDE"))

    def weights(matrix: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(matrix, index=times, columns=close.columns).stack().rename("prediction")
        predictions = frame.rename_axis(["timestamp", "symbol"]).reset_index()
        return ModelStrategy(predictions, rule=rule, window=8, min_periods=3, k=2, quantile=0.4,
                             direction="long_short").target_weights(close)

    pd.testing.assert_frame_equal(weights(scores).iloc[:cut], weights(changed).iloc[:cut])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rule", ["quantile", "rolling"])
def test_only_the_order_of_scores_matters_so_tiny_regression_scores_and_probabilities_agree(seed: int,
                                                                                            rule: str) -> None:
    scores = np.random.default_rng(seed).normal(size=(120, 4))
    probabilities = 1.0 / (1.0 + np.exp(-scores))
    tiny = scores * 1.5e-6 - 3e-6  # a regression model's scores, all below zero
    signal_rule = SignalRule(rule=rule, window=30, min_periods=10, direction="long_short")
    sides = signal_rule.sides(scores)
    np.testing.assert_array_equal(signal_rule.sides(probabilities), sides)
    np.testing.assert_array_equal(signal_rule.sides(tiny), sides)
    assert (sides > 0).mean() > 0.1 and (sides < 0).mean() > 0.1  # never "sell on almost every bar"


@pytest.mark.parametrize(("counts", "chosen"), [
    ([3, 3, 3, 2], "quantile"),
    ([0, 0, 3, 3, 2], "quantile"),  # timestamps nobody scored do not count
    ([3, 2, 2, 2], "rolling"),  # a panel only now and then
    ([1, 1, 1], "rolling"),
    ([], "rolling"),
])
def test_auto_is_quantile_for_panels_and_rolling_otherwise(counts: list[int], chosen: str) -> None:
    scores = np.full((len(counts), 4), NAN)
    for row, count in enumerate(counts):
        scores[row, :count] = np.arange(count) + row
    rule = SignalRule(min_symbols=3)
    assert rule.resolve(np.nonzero(~np.isnan(scores))[0]).rule == chosen
    np.testing.assert_array_equal(rule.sides(scores), replace(rule, rule=chosen).sides(scores))
    assert SignalRule(rule="top_k").resolve([0, 1, 2]).rule == "top_k"  # an explicit rule stays


def test_auto_and_training_agree_on_what_a_panel_is() -> None:
    config = Config.model_validate({"models": {"min_cross_section": 5}})
    rule = rule_from_config(config, "regression")
    four = np.repeat(np.arange(10), 4)  # 10 timestamps with four symbols each
    assert rule.min_symbols == 5 and rule.resolve(four).rule == "rolling"
    assert rule_from_config(Config(), "regression").resolve(four).rule == "quantile"


def test_long_sides_put_each_side_on_its_row_in_any_row_order() -> None:
    times = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")
    frame = pd.DataFrame({"symbol": np.repeat(list("ABCD"), 3), "timestamp": np.tile(times, 4),
                          "score": PANEL.T.ravel()}).sample(frac=1.0, random_state=0)
    rule = SignalRule(rule="quantile", quantile=0.25, direction="long_short")
    wide = rule.sides(PANEL)
    expected = [wide[times.get_loc(t), "ABCD".index(s)] for s, t in zip(frame["symbol"], frame["timestamp"])]
    np.testing.assert_array_equal(long_sides(frame, "score", rule), expected)


def test_rule_from_config_carries_every_backtest_key_and_the_threshold_band() -> None:
    config = Config.model_validate({"backtest": {"rule": "rolling", "window": 30, "min_periods": 5, "upper": 0.9,
                                                 "lower": 0.1, "direction": "long_short"},
                                    "predict": {"band": 0.1}})
    rule = rule_from_config(config, "binary")
    assert (rule.rule, rule.window, rule.min_periods, rule.upper, rule.lower, rule.direction) == \
        ("rolling", 30, 5, 0.9, 0.1, "long_short")
    assert (rule.short_below, rule.long_above) == pytest.approx((0.4, 0.6))
    assert (rule_from_config(config, "regression").long_above, Config().backtest.rule) == (0.0, "auto")
