"""Reference agreement: our indicators against TA-Lib on the bundled real OHLCV data.

Data: ``us_ohlcv`` (MSFT, NASDAQ, SP500 daily bars, thousands of rows each). Comparisons
start after the warm-up and use the error relative to the value, or to the indicator's
median magnitude where it crosses zero (MACD, %b), so that a sign change is not an
"infinite" relative error.

Finite-window indicators (SMA, standard deviation, min/max, Bollinger, stochastic,
Williams %R, CCI, MFI, ROC, OBV slope) agree to 1e-9.

Exponentially smoothed indicators (RSI, NATR, ADX/±DI, MACD) differ on purpose. TA-Lib runs
the recursion from the first bar, so its value at t depends on the whole history; a
prediction made from the last few hundred bars could never reproduce it bit for bit. Ours
is the same exponential weighting truncated to the bars holding all but ``EMA_TAIL`` (1e-9)
of the weight and renormalised, so values are exact under truncation. The difference is
bounded by that tail: 3e-8 relative for the bounded oscillators, and 2e-7 for MACD, a
difference of two price-level averages whose 1e-9 tails are large next to their difference.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from alphaforge.data.bundled import load_bundled
from alphaforge.features import REGISTRY
from alphaforge.features.trend import true_range
from alphaforge.features.windows import EMA_TAIL, rolling_max, rolling_mean, rolling_min, rolling_std

talib = pytest.importorskip("talib")

FINITE = 1e-9
SMOOTHED = 3e-8
MACD = 2e-7
Columns = dict[str, np.ndarray]


@pytest.fixture(scope="module")
def symbols() -> dict[str, Columns]:
    bars = load_bundled("us_ohlcv")
    return {str(symbol): {c: group[c].to_numpy(dtype=float) for c in ("open", "high", "low", "close", "volume")}
            for symbol, group in bars.groupby("symbol")}


def _ours(name: str, columns: Columns) -> np.ndarray:
    feature = REGISTRY.get(name)
    return feature.compute(**{c: columns[c] for c in feature.inputs})


def assert_agrees(ours: np.ndarray, reference: np.ndarray, rtol: float, start: int) -> None:
    """``ours`` equals ``reference`` to ``rtol`` from row ``start`` on, wherever both are defined."""
    ours, reference = ours[start:], reference[start:]
    both = ~np.isnan(ours) & ~np.isnan(reference)
    assert both.mean() > 0.99, "too few rows defined in both to compare"
    scale = np.maximum(np.abs(reference[both]), np.median(np.abs(reference[both])))
    error = np.abs(ours[both] - reference[both]) / scale
    assert error.max() <= rtol, f"max relative error {error.max():.3g} > {rtol:g} at row {start + np.argmax(error)}"


FINITE_CASES: dict[str, Callable[[Columns], tuple[np.ndarray, np.ndarray]]] = {
    "sma_20": lambda c: (rolling_mean(c["close"], 20), talib.SMA(c["close"], 20)),
    "stddev_20": lambda c: (rolling_std(c["close"], 20), talib.STDDEV(c["close"], 20, 1)),
    "max_30": lambda c: (rolling_max(c["high"], 30), talib.MAX(c["high"], 30)),
    "min_30": lambda c: (rolling_min(c["low"], 30), talib.MIN(c["low"], 30)),
    "true_range": lambda c: (true_range(c["high"], c["low"], c["close"]),
                             talib.TRANGE(c["high"], c["low"], c["close"])),
    "ta_bb_pctb_20": lambda c: (_ours("ta_bb_pctb_20", c), _pctb(c["close"], 20)),
    "ta_bb_width_20": lambda c: (_ours("ta_bb_width_20", c), _width(c["close"], 20)),
    "ta_willr_14": lambda c: (_ours("ta_willr_14", c), talib.WILLR(c["high"], c["low"], c["close"], 14)),
    "ta_cci_20": lambda c: (_ours("ta_cci_20", c), talib.CCI(c["high"], c["low"], c["close"], 20)),
    "ta_stoch_k_14": lambda c: (_ours("ta_stoch_k_14", c), _stoch(c)[0]),
    "ta_stoch_d_14": lambda c: (_ours("ta_stoch_d_14", c), _stoch(c)[1]),
    "px_ret_12": lambda c: (100.0 * _ours("px_ret_12", c), talib.ROC(c["close"], 12)),
    "ta_obv_slope_20": lambda c: (_ours("ta_obv_slope_20", c) * talib.SMA(c["volume"], 20),
                                  talib.LINEARREG_SLOPE(talib.OBV(c["close"], c["volume"]), 20)),
}


def _stoch(c: Columns) -> tuple[np.ndarray, np.ndarray]:
    """TA-Lib's slow stochastic: %K over 14 bars smoothed by a 3-bar SMA, %D a 3-bar SMA of that."""
    return talib.STOCH(c["high"], c["low"], c["close"], 14, 3, 0, 3, 0)


def _pctb(close: np.ndarray, window: int) -> np.ndarray:
    upper, _, lower = talib.BBANDS(close, window, 2.0, 2.0, 0)
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero band width: undefined, compared as NaN
        return (close - lower) / (upper - lower)


def _width(close: np.ndarray, window: int) -> np.ndarray:
    upper, middle, lower = talib.BBANDS(close, window, 2.0, 2.0, 0)
    return (upper - lower) / middle


@pytest.mark.parametrize("case", FINITE_CASES)
@pytest.mark.parametrize("symbol", ["MSFT", "NASDAQ", "SP500"])
def test_finite_window_indicators_agree_to_1e9(symbols: dict[str, Columns], symbol: str, case: str) -> None:
    """Where the high-low range is zero (flat early MSFT days) %K and %R are undefined: we give
    NaN, TA-Lib 0; those rows are left out of the comparison (under 1% of rows)."""
    ours, reference = FINITE_CASES[case](symbols[symbol])
    assert_agrees(ours, reference, FINITE, start=60)


@pytest.mark.parametrize("symbol", ["NASDAQ", "SP500"])
def test_mfi_agrees_to_1e9(symbols: dict[str, Columns], symbol: str) -> None:
    c = symbols[symbol]
    assert_agrees(_ours("ta_mfi_14", c), talib.MFI(c["high"], c["low"], c["close"], c["volume"], 14), FINITE, 60)


def test_mfi_matches_the_textbook_where_talib_does_not(symbols: dict[str, Columns]) -> None:
    """On early MSFT (cent-priced, repeated typical prices, before 1991) TA-Lib's MFI departs from
    the textbook definition on a few dozen rows; ours equals a plain loop over the definition
    everywhere, and TA-Lib elsewhere."""
    c = symbols["MSFT"]
    ours = _ours("ta_mfi_14", c)
    typical = (c["high"] + c["low"] + c["close"]) / 3.0
    flow = typical * c["volume"]
    textbook = np.full(len(typical), np.nan)
    for t in range(14, len(typical)):
        rows = np.arange(t - 13, t + 1)
        change = typical[rows] - typical[rows - 1]
        up, down = flow[rows][change > 0].sum(), flow[rows][change < 0].sum()
        textbook[t] = 100.0 * up / (up + down) if up + down > 0 else np.nan
    np.testing.assert_allclose(ours, textbook, rtol=FINITE, equal_nan=True)
    reference = talib.MFI(c["high"], c["low"], c["close"], c["volume"], 14)
    differs = np.abs(ours - reference) > FINITE * np.abs(reference)
    assert differs[2000:].sum() == 0 and differs.mean() < 0.01


SMOOTHED_CASES: dict[str, tuple[Callable[[Columns], tuple[np.ndarray, np.ndarray]], float]] = {
    "ta_rsi_14": (lambda c: (_ours("ta_rsi_14", c), talib.RSI(c["close"], 14)), SMOOTHED),
    "ta_natr_14": (lambda c: (100.0 * _ours("ta_natr_14", c), talib.NATR(c["high"], c["low"], c["close"], 14)),
                   SMOOTHED),
    "ta_adx_14": (lambda c: (_ours("ta_adx_14", c), talib.ADX(c["high"], c["low"], c["close"], 14)), SMOOTHED),
    "ta_plus_di_14": (lambda c: (_ours("ta_plus_di_14", c), talib.PLUS_DI(c["high"], c["low"], c["close"], 14)),
                      SMOOTHED),
    "ta_minus_di_14": (lambda c: (_ours("ta_minus_di_14", c), talib.MINUS_DI(c["high"], c["low"], c["close"], 14)),
                       SMOOTHED),
    "ta_macd_line": (lambda c: (_ours("ta_macd_line", c) * c["close"], talib.MACD(c["close"], 12, 26, 9)[0]), MACD),
    "ta_macd_signal": (lambda c: (_ours("ta_macd_signal", c) * c["close"], talib.MACD(c["close"], 12, 26, 9)[1]),
                       MACD),
    "ta_macd_hist": (lambda c: (_ours("ta_macd_hist", c) * c["close"], talib.MACD(c["close"], 12, 26, 9)[2]), MACD),
}


@pytest.mark.parametrize("case", SMOOTHED_CASES)
@pytest.mark.parametrize("symbol", ["MSFT", "NASDAQ", "SP500"])
def test_smoothed_indicators_agree_within_the_truncation_tail(symbols: dict[str, Columns], symbol: str,
                                                              case: str) -> None:
    compute, rtol = SMOOTHED_CASES[case]
    ours, reference = compute(symbols[symbol])
    # twice our lookback: TA-Lib's own seed (an SMA of the first bars) has faded by then too
    assert_agrees(ours, reference, rtol, start=2 * REGISTRY.get(case).lookback)


def test_truncation_is_what_separates_us_from_talib(symbols: dict[str, Columns]) -> None:
    """With the tail made 1000 times heavier the gap to TA-Lib grows with it: the tolerance
    above measures truncation, not a different formula."""
    close = symbols["SP500"]["close"]
    alpha = 1.0 / 14
    window = int(np.ceil(np.log(EMA_TAIL * 1000) / np.log(1 - alpha)))
    weights = (1 - alpha) ** np.arange(window)
    change = np.diff(close, prepend=np.nan)
    gains = np.convolve(np.maximum(change, 0), weights / weights.sum(), "valid")
    losses = np.convolve(np.maximum(-change, 0), weights / weights.sum(), "valid")
    coarse = pd.Series(np.r_[np.full(window - 1, np.nan), 100 * gains / (gains + losses)])
    reference = talib.RSI(close, 14)
    start = 1200
    coarse_error = np.nanmax(np.abs(coarse.to_numpy()[start:] - reference[start:]) / reference[start:])
    fine_error = np.nanmax(np.abs(_ours("ta_rsi_14", symbols["SP500"])[start:] - reference[start:]) / reference[start:])
    assert coarse_error > 100 * fine_error
