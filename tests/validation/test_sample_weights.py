"""Sample weights against naive loops, and the sequential bootstrap against the textbook draw."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.errors import InputError
from alphaforge.validation import LabelSpans, average_uniqueness, return_attribution, sequential_bootstrap, time_decay


@st.composite
def spans_on_a_clock(draw: st.DrawFn) -> LabelSpans:
    n = draw(st.integers(1, 25))
    t0 = np.array(draw(st.lists(st.integers(0, 30), min_size=n, max_size=n)))
    t1 = t0 + np.array(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)))
    symbols = draw(st.lists(st.sampled_from(["A", "B"]), min_size=n, max_size=n))
    return LabelSpans.from_arrays(t0, t1, symbols)


def naive_indicator(spans: LabelSpans) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Dense label x (symbol, time) indicator over each symbol's t0/t1 times: the textbook matrix."""
    points = sorted({(s, t) for s, a, b in zip(spans.symbols, spans.t0, spans.t1, strict=True) for t in (a, b)})
    matrix = np.array([[s == ps and a <= pt <= b for ps, pt in points]
                       for s, a, b in zip(spans.symbols, spans.t0, spans.t1, strict=True)], dtype=float)
    return matrix, points


@settings(max_examples=80, deadline=None)
@given(spans=spans_on_a_clock())
def test_average_uniqueness_matches_the_dense_indicator_loop(spans: LabelSpans) -> None:
    matrix, _ = naive_indicator(spans)
    concurrency = matrix.sum(axis=0)
    expected = [np.mean([1 / concurrency[p] for p in np.flatnonzero(row)]) for row in matrix]
    np.testing.assert_allclose(average_uniqueness(spans), expected)


def test_return_attribution_matches_a_loop_over_bars() -> None:
    times = pd.date_range("2024-01-01", periods=6, freq="h", tz="UTC")
    close = np.array([100.0, 101, 99, 102, 102, 104])
    bars = pd.DataFrame({"symbol": "A", "timestamp": times, "close": close})
    spans = LabelSpans.from_arrays(times[[0, 1, 3]], times[[2, 3, 5]], ["A"] * 3)
    log_returns = np.r_[0.0, np.diff(np.log(close))]
    concurrency = np.array([1, 2, 2, 2, 1, 1])  # bars 1..3 are covered by two labels
    raw = [abs(sum(log_returns[t] / concurrency[t] for t in range(a, b + 1))) for a, b in [(0, 2), (1, 3), (3, 5)]]
    np.testing.assert_allclose(return_attribution(spans, bars), np.array(raw) * 3 / sum(raw))
    expected_uniqueness = [(1 + .5 + .5) / 3, (.5 + .5 + .5) / 3, (.5 + 1 + 1) / 3]
    np.testing.assert_allclose(average_uniqueness(spans, bars), expected_uniqueness)


def test_an_uncovered_bar_between_two_labels_leaves_later_weights_finite() -> None:
    times = pd.date_range("2024-01-01", periods=5, freq="h", tz="UTC")
    close = np.array([100.0, 110, 90, 99, 120])
    bars = pd.DataFrame({"symbol": "A", "timestamp": times, "close": close})
    spans = LabelSpans.from_arrays(times[[0, 3]], times[[1, 4]], ["A", "A"])  # bar 2 is in no label
    np.testing.assert_array_equal(average_uniqueness(spans, bars), [1.0, 1.0])  # was [1, nan]
    raw = np.array([np.log(110 / 100), np.log(120 / 90)])  # each label alone on its bars
    np.testing.assert_allclose(return_attribution(spans, bars), raw * 2 / raw.sum())


HOUR = pd.Timedelta(hours=1)
START = pd.Timestamp("2024-01-01", tz="UTC")


@st.composite
def spans_and_bars(draw: st.DrawFn) -> tuple[LabelSpans, pd.DataFrame | None]:
    """Label spans of symbols A and B on an hourly clock and, sometimes, bars of those symbols at
    any subset of hours (bars inside, between and outside the labels, or none at a label's ends)."""
    spans = draw(spans_on_a_clock())
    t0, t1 = START + spans.t0 * HOUR, START + spans.t1 * HOUR
    spans = LabelSpans.from_arrays(t0, t1, spans.symbols)
    if not draw(st.booleans()):
        return spans, None
    frames = []
    for symbol in sorted(set(spans.symbols)):
        hours = sorted(draw(st.sets(st.integers(0, 40), min_size=1, max_size=30)))
        close = draw(st.lists(st.floats(1.0, 2.0), min_size=len(hours), max_size=len(hours)))
        frames.append(pd.DataFrame({"symbol": symbol, "timestamp": START + np.array(hours) * HOUR, "close": close}))
    return spans, pd.concat(frames, ignore_index=True)


def naive_grid(spans: LabelSpans, bars: pd.DataFrame | None) -> list[tuple[list[int], list[float]]]:
    """Per label: the concurrency and the one-bar log return (0 off the bars) at each of its
    points, by looping over each symbol's grid of bar times and label ends."""
    stamps = pd.DatetimeIndex(spans.t0.view("datetime64[ns]")).tz_localize("UTC"), \
        pd.DatetimeIndex(spans.t1.view("datetime64[ns]")).tz_localize("UTC")
    labels = list(zip(spans.symbols, *stamps, strict=True))
    out = []
    for symbol, t0, t1 in labels:
        own = bars[bars["symbol"] == symbol] if bars is not None else None
        returns = {} if own is None else dict(zip(own["timestamp"], np.r_[0.0, np.diff(np.log(own["close"]))],
                                                  strict=True))
        grid = sorted({t for s, a, b in labels if s == symbol for t in (a, b)} | set(returns))
        points = [p for p in grid if t0 <= p <= t1]
        concurrency = [sum(s == symbol and a <= p <= b for s, a, b in labels) for p in points]
        out.append((concurrency, [returns.get(p, 0.0) for p in points]))
    return out


@settings(max_examples=150, deadline=None)
@given(case=spans_and_bars())
def test_weights_are_finite_bounded_and_match_a_naive_loop(case: tuple[LabelSpans, pd.DataFrame | None]) -> None:
    spans, bars = case
    per_label = naive_grid(spans, bars)
    uniqueness = average_uniqueness(spans, bars)
    assert np.isfinite(uniqueness).all() and (uniqueness > 0).all() and (uniqueness <= 1).all()
    np.testing.assert_allclose(uniqueness, [np.mean([1 / c for c in conc]) for conc, _ in per_label], rtol=1e-12)
    if bars is None:
        return
    raw = np.array([abs(sum(r / c for c, r in zip(conc, rets, strict=True))) for conc, rets in per_label])
    if raw.sum() == 0:
        return  # flat prices under every label: an InputError, tested above
    attribution = return_attribution(spans, bars)
    assert np.isfinite(attribution).all() and (attribution >= 0).all()
    np.testing.assert_allclose(attribution, raw * len(raw) / raw.sum(), rtol=1e-9, atol=1e-12)


def test_return_attribution_rejects_flat_prices() -> None:
    times = pd.date_range("2024-01-01", periods=3, freq="h", tz="UTC")
    bars = pd.DataFrame({"symbol": "A", "timestamp": times, "close": 5.0})
    with pytest.raises(InputError, match="flat"):
        return_attribution(LabelSpans.from_arrays(times[:2], times[1:], ["A", "A"]), bars)


@pytest.mark.parametrize(("oldest", "expected"), [(1.0, [1, 1, 1, 1]), (0.0, [.25, .5, .75, 1]),
                                                  (0.5, [.625, .75, .875, 1]), (-0.5, [0, 0, .5, 1])])
def test_time_decay_over_cumulative_uniqueness(oldest: float, expected: list[float]) -> None:
    spans = LabelSpans.from_arrays([3, 0, 2, 1], [3, 0, 2, 1])  # out of time order on purpose
    weights = time_decay(spans, np.ones(4), oldest=oldest)
    np.testing.assert_allclose(weights[[1, 3, 2, 0]], expected)


def textbook_bootstrap(spans: LabelSpans, n_draws: int, seed: int) -> list[int]:
    """Draw by recomputing every label's uniqueness from the dense matrix at each step."""
    matrix, _ = naive_indicator(spans)
    uniforms = np.random.default_rng(seed).random(n_draws)
    drawn: list[int] = []
    for u in uniforms:
        counts = matrix[drawn].sum(axis=0)
        weights = np.array([np.mean(1 / (1 + counts[row > 0])) for row in matrix])
        drawn.append(int(np.searchsorted(np.cumsum(weights), u * weights.sum(), side="right")))
    return drawn


@settings(max_examples=40, deadline=None)
@given(spans=spans_on_a_clock(), seed=st.integers(0, 1000))
def test_sequential_bootstrap_draws_like_the_textbook_algorithm(spans: LabelSpans, seed: int) -> None:
    n_draws = 2 * len(spans)
    assert sequential_bootstrap(spans, n_draws, random_state=seed).tolist() == textbook_bootstrap(spans, n_draws, seed)


def test_sequential_bootstrap_prefers_unique_labels() -> None:
    crowded = [(t, t + 20) for t in range(20)]
    spans = LabelSpans.from_arrays(*zip(*crowded, (100, 100), strict=True))
    draws = np.concatenate([sequential_bootstrap(spans, random_state=seed) for seed in range(200)])
    assert np.mean(draws == 20) > 2 / 21  # the lone label is drawn more often than uniformly


@pytest.mark.slow
def test_sequential_bootstrap_on_100k_labels_stays_linear_in_memory() -> None:
    t0 = np.arange(100_000)
    spans = LabelSpans.from_arrays(t0, t0 + 24)
    tracemalloc.start()
    started = time.perf_counter()
    draws = sequential_bootstrap(spans, random_state=0)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(draws) == 100_000 and peak < 300e6  # a dense 100k x 100k matrix would need 80 GB
    print(f"sequential bootstrap, 100k labels of 24 bars: {elapsed:.1f} s (traced), peak {peak / 1e6:.0f} MB")
