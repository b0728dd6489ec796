"""Small hand-made bar tables for target tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest

from alphaforge.data.schema import validate_bars

START = pd.Timestamp("2024-01-01", tz="UTC")


def bars_of(close: Sequence[float], *, symbol: str = "A", hours: Sequence[int] | None = None,
            high: Sequence[float] | None = None, low: Sequence[float] | None = None) -> pd.DataFrame:
    """Canonical bars for one symbol; hourly unless ``hours`` (offsets from START) are given."""
    close = np.asarray(close, dtype="float64")
    offsets = np.arange(len(close)) if hours is None else np.asarray(hours)
    frame = pd.DataFrame({"symbol": symbol, "timestamp": START + pd.to_timedelta(offsets, unit="h"),
                          "close": close})
    if high is not None or low is not None:
        frame["high"] = np.asarray(high if high is not None else close, dtype="float64")
        frame["low"] = np.asarray(low if low is not None else close, dtype="float64")
        frame["open"] = close
        frame["volume"] = 1.0
    return validate_bars(frame)[0]


def random_panel(n_bars: int = 300, symbols: Sequence[str] = ("A", "B", "C"), seed: int = 0) -> pd.DataFrame:
    """Random-walk OHLC bars for several symbols on one hourly grid."""
    rng = np.random.default_rng(seed)
    frames = []
    for symbol in symbols:
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n_bars)))
        spread = np.abs(rng.normal(0, 0.004, (2, n_bars)))
        frames.append(pd.DataFrame({
            "symbol": symbol, "timestamp": START + pd.to_timedelta(np.arange(n_bars), unit="h"),
            "open": close, "high": close * (1 + spread[0]), "low": close * (1 - spread[1]),
            "close": close, "volume": 1.0}))
    return validate_bars(pd.concat(frames, ignore_index=True))[0]


def at_hours(*offsets: int) -> list[pd.Timestamp]:
    """Timestamps START + offsets hours."""
    return [START + pd.Timedelta(hours=h) for h in offsets]


@pytest.fixture(name="bars_of", scope="session")
def bars_of_fixture() -> Callable[..., pd.DataFrame]:
    """Factory of one-symbol canonical bars (see :func:`bars_of`)."""
    return bars_of


@pytest.fixture(name="hours", scope="session")
def hours_fixture() -> Callable[..., list[pd.Timestamp]]:
    """Timestamps START + offsets hours (see :func:`at_hours`)."""
    return at_hours


@pytest.fixture(name="random_panel", scope="session")
def random_panel_fixture() -> Callable[..., pd.DataFrame]:
    """Factory of random-walk OHLC panels (see :func:`random_panel`)."""
    return random_panel
