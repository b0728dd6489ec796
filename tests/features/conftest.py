"""Small panels shared by the feature tests: synthetic OHLCV bars and aligned macro series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.data.synthetic import SynthSpec, generate_bars


def make_panel(symbols: int = 3, bars: int = 1300, seed: int = 0) -> pd.DataFrame:
    """Realistic synthetic hourly OHLCV bars, long enough to warm up every built-in feature."""
    return generate_bars(SynthSpec(symbols=symbols, bars=bars, freq="1h", seed=seed))


def make_macro(bars: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Two macro series aligned row for row to ``bars``: a daily-stepped level and a random walk."""
    rng = np.random.default_rng(seed)
    days = bars["timestamp"].dt.floor("D").to_numpy()
    _, day = np.unique(days, return_inverse=True)
    daily = 15.0 + np.cumsum(rng.normal(0.0, 0.5, day.max() + 1))
    level = daily[day]
    level[:30] = np.nan  # not yet published
    return pd.DataFrame({"vix": level, "rate": 2.0 + np.cumsum(rng.normal(0.0, 0.01, len(bars)))},
                        index=bars.index)


@pytest.fixture(scope="session")
def panel() -> pd.DataFrame:
    return make_panel()


@pytest.fixture(scope="session")
def macro(panel: pd.DataFrame) -> pd.DataFrame:
    return make_macro(panel)


@pytest.fixture(scope="session")
def parity_panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four symbols with macro, for the parity properties."""
    bars = make_panel(symbols=4, bars=1300, seed=3)
    return bars, make_macro(bars, seed=3)
