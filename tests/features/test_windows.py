"""The window kernels against naive loops over the rows (Hypothesis), bit for bit where the
kernel fixes the order of its arithmetic, and the calendar's looked-up circle against sin/cos."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alphaforge.features import calendar
from alphaforge.features.windows import (
    decayed_sum,
    ema,
    ema_normalised,
    ema_sum,
    ema_window,
    lag,
    rolling_mean,
    rolling_mean_abs_deviation,
    rolling_mean_std,
    rolling_sum,
    with_lagged,
)

values = arrays(np.float64, st.integers(0, 80), elements=st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=80, deadline=None)
@given(x=values, n=st.integers(1, 40), decay=st.sampled_from([1.0, 0.9, 0.5]))
def test_decayed_sum_is_the_naive_window_sum_in_a_fresh_array(x: np.ndarray, n: int, decay: float) -> None:
    got = decayed_sum(x, n, decay)
    naive = np.full(len(x), np.nan)
    for t in range(n - 1, len(x)):
        naive[t] = sum(decay ** j * x[t - j] for j in range(n))
    np.testing.assert_allclose(got, naive, rtol=1e-9, atol=1e-3)
    assert got.flags.writeable and not np.may_share_memory(got, x)  # n = 1 included: never x itself


@settings(max_examples=80, deadline=None)
@given(x=values, n=st.integers(0, 90), ufunc=st.sampled_from([np.subtract, np.divide]))
def test_with_lagged_is_the_ufunc_against_the_lagged_copy(x: np.ndarray, n: int, ufunc: np.ufunc) -> None:
    earlier = x[::-1].copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(with_lagged(ufunc, x, earlier, n), ufunc(x, lag(earlier, n)))


@settings(max_examples=80, deadline=None)
@given(x=values, n=st.integers(1, 30))
def test_mean_abs_deviation_adds_the_lags_in_order(x: np.ndarray, n: int) -> None:
    mean = rolling_mean(x, n)
    naive = np.full(len(x), np.nan)
    for t in range(n - 1, len(x)):
        total = abs(x[t] - mean[t])
        for j in range(1, n):
            total += abs(x[t - j] - mean[t])
        naive[t] = total / n
    np.testing.assert_array_equal(rolling_mean_abs_deviation(x, n), naive)
    np.testing.assert_array_equal(rolling_mean_abs_deviation(x, n, mean), naive)


@settings(max_examples=80, deadline=None)
@given(x=values, n=st.integers(1, 30))
def test_mean_std_is_the_sums_formula(x: np.ndarray, n: int) -> None:
    s1, s2 = rolling_sum(x, n), rolling_sum(x * x, n)
    variance = (s2 - s1 * (s1 / n)) / n
    mean, std = rolling_mean_std(x, n)
    np.testing.assert_array_equal(mean, s1 / n)
    np.testing.assert_array_equal(std, np.sqrt(np.where(variance < 0.0, 0.0, variance)))


@settings(max_examples=40, deadline=None)
@given(x=values, alpha=st.sampled_from([1 / 14, 2 / 13, 0.5]))
def test_ema_is_its_sum_normalised(x: np.ndarray, alpha: float) -> None:
    total = ema_sum(x, alpha)
    total.flags.writeable = False  # a shared result: normalised into a fresh array, left as it is
    expected = total * (alpha / (1.0 - (1.0 - alpha) ** ema_window(alpha)))
    np.testing.assert_array_equal(ema_normalised(total, alpha), expected)
    np.testing.assert_array_equal(ema(x, alpha), expected)
    np.testing.assert_array_equal(total, ema_sum(x, alpha))


hour = 3_600_000_000_000


@settings(max_examples=60, deadline=None)
@given(start=st.integers(-10**18, 4 * 10**18), step=st.sampled_from([hour, 24 * hour, 60_000_000_000, 1]),
       length=st.integers(0, 200))
def test_calendar_circles_are_sin_and_cos_of_the_angle(start: int, step: int, length: int) -> None:
    timestamp = start // step * step + step * np.arange(length, dtype=np.int64)
    hours = (timestamp // hour) % 24 + (timestamp % hour) / hour
    weekday = (timestamp // (24 * hour) + 3) % 7
    for got, angle, func in ((calendar.hour_sin(timestamp), 2.0 * np.pi * hours / 24.0, np.sin),
                             (calendar.hour_cos(timestamp), 2.0 * np.pi * hours / 24.0, np.cos),
                             (calendar.weekday_sin(timestamp), 2.0 * np.pi * weekday / 7.0, np.sin),
                             (calendar.weekday_cos(timestamp), 2.0 * np.pi * weekday / 7.0, np.cos)):
        np.testing.assert_array_equal(got, func(angle))
