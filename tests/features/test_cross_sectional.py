"""Cross-sectional ranks and demeaning against a pandas group-by reference (ties, gaps, NaN)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.features._grid import Grid
from alphaforge.features.cross_sectional import demean_across_symbols, rank_across_symbols


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), symbols=st.integers(1, 6), times=st.integers(1, 12))
def test_matches_pandas_groupby(seed: int, symbols: int, times: int) -> None:
    rng = np.random.default_rng(seed)
    cells = pd.MultiIndex.from_product([range(symbols), range(times)]).to_frame(index=False)
    rows = cells.sample(frac=0.8, random_state=seed).sort_values([0, 1])  # some symbols miss some times
    symbol, time = rows[0].to_numpy(), rows[1].to_numpy() * 3_600_000_000_000
    values = rng.integers(0, 4, len(rows)).astype(float)  # small integers: plenty of ties
    values[rng.random(len(rows)) < 0.2] = np.nan
    groups = pd.Series(values).groupby(time)
    counts = groups.transform("count").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):  # single-symbol timestamps: 0/0, masked below
        expected_rank = np.where(counts >= 2, (groups.rank().to_numpy() - 1) / (counts - 1), np.nan)
    expected_demean = np.where(counts >= 2, values - groups.transform("mean").to_numpy(), np.nan)
    grid = Grid.of(time, symbol)
    np.testing.assert_allclose(rank_across_symbols(values, grid), expected_rank, rtol=0, atol=1e-15)
    np.testing.assert_allclose(demean_across_symbols(values, grid), expected_demean, rtol=0, atol=1e-12)


def _random_panel(symbols: int = 4, bars: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    times = pd.date_range("2024-01-01", periods=bars, freq="h", tz="UTC")
    frames = [pd.DataFrame({"symbol": f"S{i}", "timestamp": times,
                            "close": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, bars)))}) for i in range(symbols)]
    return pd.concat(frames, ignore_index=True)


def test_ranked_features_are_the_base_ranked_across_symbols_in_both_modes() -> None:
    from alphaforge.features import compute_features
    from alphaforge.features.leakage import check_leakage

    bars = _random_panel()
    full = compute_features(bars, features=["px_ret_24", "xsr_px_ret_24"])
    grid = Grid.of(pd.DatetimeIndex(full["timestamp"]).asi8, pd.factorize(full["symbol"])[0])
    np.testing.assert_array_equal(full["xsr_px_ret_24"].to_numpy(), rank_across_symbols(full["px_ret_24"].to_numpy(),
                                                                                         grid))
    since = bars["timestamp"].iloc[350]
    recent = compute_features(bars, features=["xsr_px_ret_24"], since=since)
    expected = full[full["timestamp"] >= since].reset_index(drop=True)
    np.testing.assert_array_equal(recent["xsr_px_ret_24"].to_numpy(), expected["xsr_px_ret_24"].to_numpy())
    assert all(result.passed for result in check_leakage(bars, None, ["xsr_px_ret_24", "xsr_ta_rsi_14"], cuts=2))
