"""The single-series view against naive loops: scipy's Spearman per year and per rolling window,
and the hit rate worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from alphaforge.validation import hit_rate, rolling_ic, series_ic, series_ic_by_year


def series_frame(scores: np.ndarray, labels: np.ndarray, freq: str = "D") -> pd.DataFrame:
    times = pd.date_range("2019-12-20", periods=len(scores), freq=freq, tz="UTC")
    return pd.DataFrame({"symbol": "S", "timestamp": times, "score": scores, "label": labels})


def naive_spearman(x: np.ndarray, y: np.ndarray, min_pairs: int = 3) -> float:
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < min_pairs or np.ptp(x[keep]) == 0 or np.ptp(y[keep]) == 0:
        return math.nan
    return float(stats.spearmanr(x[keep], y[keep]).statistic)


def test_hit_rate_by_hand() -> None:
    frame = series_frame(np.array([0.5, -0.2, 0.1, 0.0, 0.3, math.nan]),
                         np.array([0.01, 0.02, -0.03, 0.05, 0.0, 0.01]))
    # counted: rows 0-2 (row 3 has score 0, row 4 label 0, row 5 no score); signs agree on row 0 only
    assert hit_rate(frame) == {"n_calls": 3, "hit_rate": pytest.approx(1 / 3), "up_share": pytest.approx(2 / 3)}


def test_always_long_hits_the_share_of_up_bars() -> None:
    labels = np.random.default_rng(0).normal(0.001, 0.01, 500)
    result = hit_rate(series_frame(np.full(500, 0.7), labels))
    assert result["hit_rate"] == result["up_share"]


@pytest.mark.parametrize("horizon", [1, 3])
def test_series_ic_and_its_t_on_every_horizonth_row(horizon: int) -> None:
    rng = np.random.default_rng(horizon)
    labels = rng.normal(size=300)
    scores = 0.3 * labels + rng.normal(size=300)
    scores[[5, 17]] = math.nan
    result = series_ic(series_frame(scores, labels), horizon)
    assert result["n"] == 298 and result["ic"] == pytest.approx(naive_spearman(scores, labels))
    keep = np.isfinite(scores[::horizon])
    sparse = stats.pearsonr(stats.rankdata(scores[::horizon][keep]), stats.rankdata(labels[::horizon][keep]))
    m = int(keep.sum())
    assert result["t_nonoverlap"] == pytest.approx(sparse.statistic * math.sqrt((m - 2) / (1 - sparse.statistic**2)))
    assert result["p_value"] == pytest.approx(sparse.pvalue, rel=1e-6)  # scipy's t test of a correlation


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-3, 3).map(float) | st.just(math.nan), min_size=1, max_size=60), st.integers(2, 8))
def test_rolling_ic_is_spearman_over_each_window(values: list[float], window: int) -> None:
    scores = np.array(values)
    labels = np.cos(np.arange(len(values)) * 1.7)
    result = rolling_ic(series_frame(scores, labels), window)
    expected = [naive_spearman(scores[i - window + 1:i + 1], labels[i - window + 1:i + 1], max(3, window // 2))
                for i in range(window - 1, len(values))]
    np.testing.assert_allclose(result.to_numpy(), expected, atol=1e-12)
    assert len(result) == max(0, len(values) - window + 1)


def test_ic_by_year_of_one_series_is_each_years_spearman() -> None:
    rng = np.random.default_rng(4)
    labels = rng.normal(size=900)
    scores = np.where(np.arange(900) < 400, labels, -labels) + rng.normal(size=900)
    frame = series_frame(scores, labels)
    rows = series_ic_by_year(frame, horizon=2)
    years = frame["timestamp"].dt.year.to_numpy()
    assert [r["year"] for r in rows] == [2019, 2020, 2021, 2022]
    for row in rows:
        inside = years == row["year"]
        assert row["n"] == inside.sum()
        assert row["mean"] == pytest.approx(naive_spearman(scores[inside], labels[inside]))
        sparse = naive_spearman(scores[inside][::2], labels[inside][::2])
        m = len(scores[inside][::2])
        assert row["t"] == pytest.approx(sparse * math.sqrt((m - 2) / (1 - sparse**2)))
