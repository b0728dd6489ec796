"""Long (symbol, timestamp) tables as wide timestamp x symbol tables: pandas' pivot to the bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.data.bundled import load_bundled
from alphaforge.data.schema import wide_table
from alphaforge.errors import InputError


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6), st.floats(0.0, 0.9), st.sampled_from(["str", "object"]),
       st.sampled_from(["UTC", None]), st.integers(0, 2**31))
def test_wide_is_pandas_pivot(times: int, names: int, missing: float, kind: str, zone: str | None, seed: int) -> None:
    """Any long frame of unique (symbol, timestamp) rows, in any order and with cells missing."""
    rng = np.random.default_rng(seed)
    grid = pd.MultiIndex.from_product([[f"S{i}" for i in range(names)],
                                       pd.date_range("2024-01-01", periods=times, freq="h", tz=zone)],
                                      names=["symbol", "timestamp"]).to_frame(index=False)
    frame = grid[rng.random(len(grid)) >= missing].sample(frac=1.0, random_state=seed % 1000)
    frame = frame.assign(symbol=frame["symbol"].astype(kind), score=rng.normal(size=len(frame)))
    pivot = frame.pivot(index="timestamp", columns="symbol", values="score")
    pd.testing.assert_frame_equal(wide_table(frame, "score"), pivot, check_exact=True)


def test_wide_closes_of_the_bundled_bars_are_pandas_pivot() -> None:
    bars = load_bundled("sp500")
    pivot = bars.pivot(index="timestamp", columns="symbol", values="close")
    pd.testing.assert_frame_equal(wide_table(bars, "close"), pivot, check_exact=True)


def test_a_pair_held_twice_or_a_row_without_a_key_is_refused_by_source() -> None:
    times = pd.date_range("2024-01-01", periods=2, freq="D", tz="UTC")
    frame = pd.DataFrame({"symbol": ["A", "A", "B"], "timestamp": [times[0], times[0], times[1]], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="held twice") as caught:
        wide_table(frame, "x", source="predictions")
    assert caught.value.where == "predictions" and caught.value.fix
    with pytest.raises(InputError, match="without a symbol or timestamp"):
        wide_table(frame.assign(symbol=["A", None, "B"]), "x")
    assert wide_table(frame.iloc[:0], "x").shape == (0, 0)
