"""Hand-computed small cases for every target family, edge cases included."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alphaforge.errors import InputError
from alphaforge.targets import compute_targets, labelled_rows
from alphaforge.targets.events import cusum_events, parse_event_filter

NAT = pd.NaT


def column(frame: pd.DataFrame, name: str) -> list[float]:
    return [None if np.isnan(v) else round(float(v), 6) for v in frame[name]]


def t1s(frame: pd.DataFrame, name: str) -> list[pd.Timestamp]:
    return list(frame[f"{name}__t1"])


def test_forward_returns_simple_and_log(bars_of: Callable, hours: Callable) -> None:
    out = compute_targets(bars_of([100, 110, 99, 99]), ["fwd_ret_1", "fwd_logret_1", "fwd_ret_2"])
    assert column(out, "fwd_ret_1") == [0.1, -0.1, 0.0, None]
    assert column(out, "fwd_logret_1") == [round(np.log(1.1), 6), round(np.log(0.9), 6), 0.0, None]
    assert column(out, "fwd_ret_2") == [-0.01, -0.1, None, None]
    assert t1s(out, "fwd_ret_1")[:3] == hours(1, 2, 3) and t1s(out, "fwd_ret_1")[3] is NAT


def test_forward_return_over_a_gap_counts_bars_and_t1_shows_the_gap(bars_of: Callable, hours: Callable) -> None:
    out = compute_targets(bars_of([100, 101, 102, 103], hours=[0, 1, 5, 6]), ["fwd_ret_1"])
    assert t1s(out, "fwd_ret_1")[:3] == hours(1, 5, 6)
    assert column(out, "fwd_ret_1")[1] == round(102 / 101 - 1, 6)


def test_horizon_longer_than_the_data_labels_nothing(bars_of: Callable) -> None:
    out = compute_targets(bars_of([100, 101, 102]), ["fwd_ret_5"])
    assert out["fwd_ret_5"].isna().all() and out["fwd_ret_5__t1"].isna().all()


def test_labels_never_cross_from_one_symbol_to_the_next(bars_of: Callable) -> None:
    bars = pd.concat([bars_of([100, 110], symbol="A"), bars_of([50, 55], symbol="B")], ignore_index=True)
    out = compute_targets(bars, ["fwd_ret_1"])
    assert column(out, "fwd_ret_1") == [0.1, None, 0.1, None]


def test_volatility_normalised_return_divides_by_past_volatility(bars_of: Callable) -> None:
    close = np.array([100, 110, 99, 108.9, 100.0])
    out = compute_targets(bars_of(close), ["fwd_volret_1_2"])
    log_returns = np.diff(np.log(close))
    sigma_at_2 = np.std(log_returns[:2], ddof=1)
    sigma_at_3 = np.std(log_returns[1:3], ddof=1)
    expected = [None, None, round(log_returns[2] / sigma_at_2, 6), round(log_returns[3] / sigma_at_3, 6), None]
    assert column(out, "fwd_volret_1_2") == expected


def test_volatility_normalised_return_on_flat_prices_has_no_label(bars_of: Callable) -> None:
    out = compute_targets(bars_of([100.0] * 6), ["fwd_volret_1_2"])
    assert out["fwd_volret_1_2"].isna().all()


def test_binary_absolute_at_the_horizon_counts_an_exact_hit(bars_of: Callable, hours: Callable) -> None:
    out = compute_targets(bars_of([100, 101, 102, 101.5]), ["binary_abs_2_0.02"])
    assert column(out, "binary_abs_2_0.02") == [1.0, 0.0, None, None]
    assert t1s(out, "binary_abs_2_0.02")[:2] == hours(2, 3)


def test_binary_absolute_touch_uses_highs_and_the_first_touch_time(bars_of: Callable, hours: Callable) -> None:
    bars = bars_of([100, 101, 101.5, 101], high=[100.5, 102.5, 102.2, 101.8], low=[99, 100, 101, 100])
    out = compute_targets(bars, ["binary_abs_2_0.02_touch", "binary_abs_2_0.02"])
    assert column(out, "binary_abs_2_0.02_touch") == [1.0, 0.0, None, None]
    assert t1s(out, "binary_abs_2_0.02_touch")[:2] == hours(1, 3)
    assert column(out, "binary_abs_2_0.02") == [0.0, 0.0, None, None]


def test_binary_touch_on_close_only_data_uses_closes(bars_of: Callable, hours: Callable) -> None:
    out = compute_targets(bars_of([100, 102, 100]), ["binary_abs_2_0.02_touch"])
    assert column(out, "binary_abs_2_0.02_touch") == [1.0, None, None]
    assert t1s(out, "binary_abs_2_0.02_touch")[0] == hours(1)[0]


def _two_symbols(bars_of: Callable, a: list[float], b: list[float], b_hours: list[int] | None = None) -> pd.DataFrame:
    return pd.concat([bars_of(a, symbol="A"), bars_of(b, symbol="B", hours=b_hours)], ignore_index=True)


def test_outperformance_of_the_equal_weight_universe(bars_of: Callable) -> None:
    out = compute_targets(_two_symbols(bars_of, [100, 110, 121], [100, 105, 126]), ["binary_outperf_1_ew"])
    assert column(out, "binary_outperf_1_ew") == [1.0, 0.0, None, 0.0, 1.0, None]


def test_outperformance_of_a_benchmark_symbol_leaves_the_benchmark_unlabelled(bars_of: Callable) -> None:
    out = compute_targets(_two_symbols(bars_of, [100, 110, 121], [100, 110, 126]), ["binary_outperf_1_B"])
    assert column(out, "binary_outperf_1_B") == [0.0, 0.0, None, None, None, None]


def test_outperformance_t1_is_the_later_of_the_two_labels(bars_of: Callable, hours: Callable) -> None:
    bars = _two_symbols(bars_of, [100, 110, 121], [100, 105, 126], b_hours=[0, 1, 3])
    out = compute_targets(bars, ["binary_outperf_1_B"])
    assert t1s(out, "binary_outperf_1_B")[:2] == hours(1, 3)


def test_outperformance_needs_two_symbols_and_a_known_benchmark(bars_of: Callable) -> None:
    out = compute_targets(bars_of([100, 110, 121]), ["binary_outperf_1_ew"])
    assert out["binary_outperf_1_ew"].isna().all()
    with pytest.raises(InputError, match="did you mean"):
        compute_targets(_two_symbols(bars_of, [100, 110], [100, 105]), ["binary_outperf_1_b"])


def test_multi_class_buckets_the_return_in_units_of_the_volatility_known_at_t(bars_of: Callable) -> None:
    # sigma at t = std of the log returns of bars t-1 and t; edges at +-0.4307 sigma (terciles).
    # Row 2, after two rises of about 2 %: sigma 0.00027, the next +0.48 % is 17.6 sigma: a buy.
    # Edges at the terciles of the past returns (about 1.97 % and 1.99 %) would call it a sell.
    # Row 3: sigma 0.0103, the next -1.45 % is -1.4 sigma: a sell.
    out = compute_targets(bars_of([100, 102, 104, 104.5, 103]), ["multi_class_1_3_2", "multi_class_1_2_2"])
    assert column(out, "multi_class_1_3_2") == [None, None, 2.0, 0.0, None]
    assert column(out, "multi_class_1_2_2") == [None, None, 1.0, 0.0, None]  # two classes: the sign


def test_multi_class_fills_every_class_equally_on_a_gaussian_random_walk(bars_of: Callable) -> None:
    close = 100 * np.exp(np.cumsum(np.random.default_rng(4).normal(0, 0.01, 20_000)))
    labels = labelled_rows(compute_targets(bars_of(close), ["multi_class_1_5_500"]), "multi_class_1_5_500")
    counts = labels["multi_class_1_5_500"].value_counts().sort_index()
    assert counts.index.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert stats.chisquare(counts.to_numpy()).pvalue > 0.001


def test_multi_class_leaves_flat_prices_unlabelled(bars_of: Callable) -> None:
    out = compute_targets(bars_of([100.0] * 8), ["multi_class_1_3_2"])
    assert labelled_rows(out, "multi_class_1_3_2").empty


TB_SCENARIOS = [  # closes after [100, 102, 100]; row 2's width is std(log 1.02, log 1/1.02) * sqrt(2)
    ("tb_2_1.0_1.0_all_sign_2", [105, 99], 1.0, 3),
    ("tb_2_1.0_1.0_all_sign_2", [95, 110], -1.0, 3),
    ("tb_2_1.0_1.0_all_sign_2", [101, 102], 1.0, 4),
    ("tb_2_1.0_1.0_all_zero_2", [101, 102], 0.0, 4),
    ("tb_2_1.0_1.0_all_sign_2", [101, 100], 0.0, 4),
    ("tb_2_0.0_1.0_all_sign_2", [105, 99], -1.0, 4),
]


@pytest.mark.parametrize(("name", "after", "label", "t1_hour"), TB_SCENARIOS)
def test_triple_barrier_first_touch_and_vertical_barrier(name: str, after: list[float], label: float,
                                                         t1_hour: int, bars_of: Callable, hours: Callable) -> None:
    out = compute_targets(bars_of([100, 102, 100, *after]), [name])
    assert column(out, name) == [None, None, label, None, None]
    assert t1s(out, name)[2] == hours(t1_hour)[0]


def test_triple_barrier_width_is_rolling_volatility_times_root_horizon(bars_of: Callable) -> None:
    width = np.std([np.log(1.02), np.log(1 / 1.02)], ddof=1) * np.sqrt(2)
    just_below, just_above = 100 * np.exp(width * 0.999), 100 * np.exp(width * 1.001)
    assert compute_targets(bars_of([100, 102, 100, just_below, 100]), ["tb_2_1.0_1.0_all_zero_2"]).iloc[2, 2] == 0
    assert compute_targets(bars_of([100, 102, 100, just_above, 100]), ["tb_2_1.0_1.0_all_zero_2"]).iloc[2, 2] == 1


def test_triple_barrier_minimum_target_and_flat_prices_give_no_label(bars_of: Callable) -> None:
    out = compute_targets(bars_of([100, 102, 100, 105, 99]), ["tb_2_1.0_1.0_all_sign_2_0.05"])
    assert out.iloc[:, 2].isna().all()
    assert compute_targets(bars_of([100.0] * 10), ["tb_2_1.0_1.0"]).iloc[:, 2].isna().all()


def test_cusum_filter_fires_when_a_running_sum_passes_the_threshold() -> None:
    returns = np.array([0.0, 0.01, 0.015, -0.03, 0.005, -0.005, 0.021])
    events = cusum_events(np.cumsum(returns), np.full(len(returns), 0.02))
    assert np.flatnonzero(events).tolist() == [2, 3, 6]


def test_triple_barrier_on_cusum_events_labels_only_event_bars(bars_of: Callable) -> None:
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 400)))
    out = compute_targets(bars_of(close), ["tb_5_1.0_1.0_cusum0.02", "tb_5_1.0_1.0"])
    events = cusum_events(np.log(close), np.full(len(close), 0.02))
    cusum_rows = out["tb_5_1.0_1.0_cusum0.02"].notna().to_numpy()
    assert cusum_rows.any() and not (cusum_rows & ~events).any()
    both = cusum_rows
    assert (out.loc[both, "tb_5_1.0_1.0_cusum0.02"] == out.loc[both, "tb_5_1.0_1.0"]).all()


@pytest.mark.parametrize("text", ["cusum", "cusumvol-1", "all0.5", "cusum0", "bogus"])
def test_bad_event_filters_are_rejected(text: str) -> None:
    with pytest.raises(InputError, match="event filter"):
        parse_event_filter(text)


def test_swing_low_is_measured_from_the_close_not_the_bars_own_low(bars_of: Callable, hours: Callable) -> None:
    # Row 0 closes at 100 but its own low is 98: the next lows (99.2, 100.1) stay above 98 yet
    # go below the close, so a long bought at the close is not a swing; the same for row 2
    # (close 101.2, next low 100.5). Row 1 (close 99.5) holds: the next lows are 100.1 and 101.
    bars = bars_of([100, 99.5, 101.2, 102, 101], high=[100.5, 101, 101.5, 102.5, 101.5],
                   low=[98, 99.2, 100.1, 101, 100.5])
    out = compute_targets(bars, ["y_will_swing_low_2_1.00", "y_will_swing_low_2_3.50"])
    assert column(out, "y_will_swing_low_2_1.00") == [0.0, 1.0, 0.0, None, None]
    assert column(out, "y_will_swing_low_2_3.50") == [0.0, 0.0, 0.0, None, None]  # 102.5 < 99.5 * 1.035
    assert t1s(out, "y_will_swing_low_2_1.00")[:3] == hours(2, 3, 4)


def test_swing_high_is_measured_from_the_close_not_the_bars_own_high(bars_of: Callable) -> None:
    # Row 0 closes at 104 under its own high 106; the next high 105 tops the close: no swing.
    # Row 2's next high equals its close (102): not above it, so it holds, and the low 99.9
    # reaches 102 * 0.98 but not 102 * 0.975.
    bars = bars_of([104, 103, 102, 100, 101], high=[106, 105, 102.5, 102, 101.8], low=[103.5, 101.5, 100, 99.9, 100.5])
    out = compute_targets(bars, ["y_will_swing_high_2_2.00", "y_will_swing_high_2_2.50"])
    assert column(out, "y_will_swing_high_2_2.00") == [0.0, 1.0, 1.0, None, None]
    assert column(out, "y_will_swing_high_2_2.50") == [0.0, 1.0, 0.0, None, None]


def test_swing_on_flat_prices_is_never_a_swing_with_a_positive_move(bars_of: Callable) -> None:
    out = compute_targets(bars_of([100.0] * 5), ["y_will_swing_low_2_0.20", "y_will_swing_high_2_0.20"])
    assert column(out, "y_will_swing_low_2_0.20") == [0.0, 0.0, 0.0, None, None]
    assert column(out, "y_will_swing_high_2_0.20") == [0.0, 0.0, 0.0, None, None]
