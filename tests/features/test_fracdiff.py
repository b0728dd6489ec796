"""Fractional differentiation: the FFD weights against the recursion and the binomial series,
the features against a naive window sum, and the minimum order on series whose order is known
(a random walk's log price is I(1), white noise is I(0))."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import binom

from alphaforge.errors import InputError
from alphaforge.features import REGISTRY, compute_features, ffd_weights, minimum_ffd_order, minimum_ffd_orders
from alphaforge.features.fracdiff import FFD_THRESHOLD, closest_ffd_feature, fracdiff_log_close


def test_weights_by_hand() -> None:
    # d = 0.5: w1 = -0.5, w2 = 0.5 * (0.5 - 1) / 2 = -0.125, w3 = -0.125 * 1.5 / 3 = -0.0625,
    # w4 = -0.0625 * 2.5 / 4 = -0.0390625 < 0.05: dropped
    np.testing.assert_array_equal(ffd_weights(0.5, threshold=0.05), [1.0, -0.5, -0.125, -0.0625])
    # d = 0.3: w1 = -0.3, w2 = 0.3 * -0.7 / 2 = -0.105, w3 = -0.105 * 1.7 / 3 = -0.0595
    np.testing.assert_allclose(ffd_weights(0.3, threshold=0.05), [1.0, -0.3, -0.105, -0.0595])


@pytest.mark.parametrize(("d", "weights"), [(0.0, [1.0]), (1.0, [1.0, -1.0]), (2.0, [1.0, -2.0, 1.0])])
def test_integer_orders_end_exactly(d: float, weights: list[float]) -> None:
    np.testing.assert_array_equal(ffd_weights(d), weights)


@given(d=st.floats(0.0, 2.0), threshold=st.floats(1e-4, 0.5))
def test_weights_follow_the_recursion_and_the_binomial_series(d: float, threshold: float) -> None:
    weights = ffd_weights(d, threshold)
    assert weights[0] == 1.0
    k = np.arange(1, len(weights))
    np.testing.assert_allclose(weights[1:], -weights[:-1] * (d - k + 1) / k, rtol=1e-15, atol=0)
    np.testing.assert_allclose(weights, (-1.0) ** np.arange(len(weights)) * binom(d, np.arange(len(weights))),
                               rtol=1e-9, atol=1e-12)
    assert (np.abs(weights) >= threshold).all()
    assert abs(weights[-1] * (d - len(weights) + 1) / len(weights)) < threshold  # the next one is dropped


def test_the_feature_is_the_weighted_sum_over_its_window() -> None:
    close = np.exp(np.random.default_rng(0).normal(0, 0.01, 40).cumsum()) * 50
    weights = ffd_weights(0.4, threshold=1e-2)
    window = len(weights)
    got = fracdiff_log_close(close, d=0.4, threshold=1e-2)
    expected = [np.nan] * (window - 1) + [sum(weights[k] * np.log(close[t - k]) for k in range(window))
                                          for t in range(window - 1, len(close))]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    first_difference = fracdiff_log_close(close, d=1.0, threshold=FFD_THRESHOLD)
    np.testing.assert_allclose(first_difference[1:], np.diff(np.log(close)), rtol=1e-12)


def test_registered_orders_state_their_window() -> None:
    features = {f.name: f for f in REGISTRY.match("px_ffd_*")}
    assert sorted(features) == ["px_ffd_d30", "px_ffd_d50", "px_ffd_d70"]
    for feature in features.values():
        window = len(ffd_weights(feature.params["d"], feature.params["threshold"]))
        assert feature.lookback == window - 1 <= 500
        assert f"window of {window} bars" in feature.description
    assert [features[n].lookback for n in sorted(features)] == [387, 199, 96]


def test_features_compute_per_symbol_with_their_warm_up(panel: pd.DataFrame) -> None:
    out = compute_features(panel, None, ["px_ffd_d70"])
    for symbol, part in out.groupby("symbol"):
        values = part["px_ffd_d70"].to_numpy()
        assert np.isnan(values[:96]).all() and np.isfinite(values[96:]).all()
        close = panel.loc[panel["symbol"] == symbol, "close"].to_numpy()
        np.testing.assert_array_equal(values, fracdiff_log_close(close, d=0.7, threshold=FFD_THRESHOLD))


def _random_walk(seed: int, n: int = 2000) -> np.ndarray:
    return 100 * np.exp(np.cumsum(np.random.default_rng(seed).normal(0, 0.01, n)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_random_walk_needs_differencing_and_white_noise_does_not(seed: int) -> None:
    walk = minimum_ffd_order(_random_walk(seed))
    by_d = {t.d: t for t in walk.tests}
    assert by_d[0.0].p_value > 0.05 and by_d[1.0].p_value < 0.05  # log price I(1): d = 0 fails, d = 1 passes
    assert walk.d is not None and 0.0 < walk.d <= 1.0
    assert all(t.p_value >= 0.05 for t in walk.tests if t.d < walk.d)
    assert by_d[0.0].correlation == pytest.approx(1.0)  # d = 0 keeps the series itself
    noise = minimum_ffd_order(np.exp(np.random.default_rng(seed).normal(0, 0.01, 2000)))
    assert noise.d == 0.0


def test_orders_too_long_for_the_series_are_reported_untested() -> None:
    order = minimum_ffd_order(_random_walk(0, n=420))  # d = 0.1 .. 0.3: windows of 388+ bars leave < 50
    untested = [t.d for t in order.tests if not t.tested]
    assert untested == [0.1, 0.2, 0.3] and order.d is not None and order.d > 0.3
    assert order.untested_below() == untested
    assert order.to_dict()["tests"][1]["p_value"] is None


def test_per_symbol_orders_and_the_closest_feature() -> None:
    times = pd.date_range("2020-01-01", periods=2000, freq="D", tz="UTC")
    bars = pd.DataFrame({"symbol": np.repeat(["NOISE", "WALK"], 2000), "timestamp": np.tile(times, 2),
                         "close": np.r_[np.exp(np.random.default_rng(5).normal(0, 0.01, 2000)), _random_walk(5)]})
    orders = minimum_ffd_orders(bars.iloc[::-1])  # any row order: each symbol is taken in time order
    assert list(orders) == ["NOISE", "WALK"] and orders["NOISE"].d == 0.0
    assert orders["WALK"].d == minimum_ffd_order(_random_walk(5)).d
    assert json.loads(json.dumps(orders["WALK"].to_dict()))["feature"] == closest_ffd_feature(orders["WALK"].d)


@pytest.mark.parametrize(("d", "feature"), [(0.0, "px_ffd_d30"), (0.3, "px_ffd_d30"), (0.31, "px_ffd_d50"),
                                            (0.7, "px_ffd_d70"), (0.8, None), (None, None)])
def test_closest_feature_at_or_above(d: float | None, feature: str | None) -> None:
    assert closest_ffd_feature(d) == feature


@pytest.mark.parametrize(("call", "match"), [
    (lambda: ffd_weights(-0.5), "d=-0.5"),
    (lambda: ffd_weights(0.5, threshold=0.0), "threshold"),
    (lambda: minimum_ffd_order(np.array([1.0, np.nan, 2.0])), "finite prices"),
    (lambda: minimum_ffd_order(_random_walk(0), p_value=1.5), "p_value"),
    (lambda: minimum_ffd_order(_random_walk(0), grid=[]), "grid"),
])
def test_bad_inputs_say_what_to_do(call, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()
