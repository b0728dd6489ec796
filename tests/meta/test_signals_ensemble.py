"""Entry signals against a naive loop; the ensemble layer's filter and size modes; bet sizing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.errors import InputError
from alphaforge.meta.ensemble import bet_size, meta_weights
from alphaforge.meta.signals import entry_signals

TIMES = pd.date_range("2024-01-01", periods=8, freq="D", tz="UTC")


def _naive_entries(column: list[float]) -> list[tuple[int, int, int]]:
    """(entry, end, side) by walking the bars one at a time."""
    sides = [0 if np.isnan(v) else int(np.sign(v)) for v in column]
    trades, current = [], None
    for t, side in enumerate(sides):
        previous = sides[t - 1] if t else 0
        if side != previous and current is not None:
            trades.append((current[0], t - 1, current[1]))
            current = None
        if side != 0 and side != previous:
            current = (t, side)
    if current is not None:
        trades.append((current[0], len(sides) - 1, current[1]))
    return trades


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([np.nan, 0.0, 1.0, 0.5, -1.0]), min_size=1, max_size=30))
def test_entry_signals_match_a_naive_loop(values):
    weights = pd.DataFrame({"A": values}, index=pd.date_range("2024-01-01", periods=len(values), freq="h", tz="UTC"))
    found = entry_signals(weights)
    assert list(zip(found["entry_bar"], found["end_bar"], found["side"], strict=True)) == _naive_entries(values)


def test_entry_signals_are_time_ordered_across_symbols():
    weights = pd.DataFrame({"A": [0, 0, 1, 1, 1, 0, 0, 1], "B": [1, 1, 0, -1, -1, -1, 0, 0]}, index=TIMES,
                           dtype="float64")
    found = entry_signals(weights)
    assert found[["symbol", "entry_bar", "end_bar", "side"]].values.tolist() == [
        ["B", 0, 1, 1], ["A", 2, 4, 1], ["B", 3, 5, -1], ["A", 7, 7, 1]]
    assert (found["timestamp"] == TIMES[found["entry_bar"]]).all()


def test_filter_keeps_or_drops_whole_trades():
    base = pd.DataFrame({"A": [1, 1, 0, 1, 1, 1, 0, 0], "B": [0, -1, -1, 0, 0, 0, 0, 1]}, index=TIMES,
                        dtype="float64")
    signals = entry_signals(base)  # A@0, B@1, A@3, B@7
    adjusted = meta_weights(base, signals, np.array([0.7, 0.2, 0.5, np.nan]), mode="filter", min_confidence=0.5)
    assert adjusted["A"].tolist() == [1, 1, 0, 1, 1, 1, 0, 0]
    assert adjusted["B"].tolist() == [0] * 8  # one trade below the confidence, one never scored


def test_size_scales_each_trade_by_its_bet_size():
    base = pd.DataFrame({"A": [1, 1, 0, 0.5, 0.5, 0, 0, 0]}, index=TIMES, dtype="float64")
    signals = entry_signals(base)
    adjusted = meta_weights(base, signals, np.array([0.9, 0.6]), mode="size", min_confidence=0.5)
    first, second = bet_size(np.array([0.9, 0.6]))
    np.testing.assert_allclose(adjusted["A"], [first, first, 0, 0.5 * second, 0.5 * second, 0, 0, 0])


def test_bet_size_is_zero_at_a_coin_flip_and_grows_with_confidence():
    p = np.linspace(0.0, 1.0, 101)
    sizes = bet_size(p)
    assert (sizes[p <= 0.5] == 0).all()
    assert (np.diff(sizes[p >= 0.5]) > 0).all() and sizes.max() <= 1.0


def test_bad_mode_and_confidence_are_input_errors():
    base = pd.DataFrame({"A": [1.0] * 8}, index=TIMES)
    signals = entry_signals(base)
    with pytest.raises(InputError, match="mode"):
        meta_weights(base, signals, np.array([0.6]), mode="vote")
    with pytest.raises(InputError, match="probability"):
        meta_weights(base, signals, np.array([0.6]), min_confidence=1.5)
