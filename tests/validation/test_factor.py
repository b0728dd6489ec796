"""The factor tear sheet's measures against independent references: scipy's Spearman per
timestamp, statsmodels' HAC t, hand-worked small panels, and synthetic markets whose IC is
known (planted signal) or zero (random scores)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from alphaforge.data.synthetic import SynthSpec, describe_planted, generate_bars
from alphaforge.errors import InputError
from alphaforge.validation import (
    ic_by_year,
    ic_decay,
    ic_statistics,
    long_short_returns,
    momentum,
    quantile_returns,
    score_ties,
    tear_sheet,
    timestamp_ic,
    turnover,
)

DAY = pd.Timedelta(days=1)


def long_frame(scores: np.ndarray, labels: np.ndarray, start: str = "2020-01-01") -> pd.DataFrame:
    """A (timestamps x symbols) pair of tables as prediction rows sorted by (timestamp, symbol)."""
    n_times, n_symbols = scores.shape
    times = pd.date_range(start, periods=n_times, freq="D", tz="UTC")
    return pd.DataFrame({"symbol": np.tile([f"S{i:02d}" for i in range(n_symbols)], n_times),
                         "timestamp": np.repeat(times, n_symbols),
                         "score": scores.ravel(), "label": labels.ravel()})


def random_walk(n_times: int, n_symbols: int, seed: int, start: str = "2020-01-01") -> pd.DataFrame:
    """Close prices of independent geometric random walks (index timestamps, columns symbols)."""
    steps = np.random.default_rng(seed).normal(0.0, 0.01, (n_times, n_symbols))
    times = pd.date_range(start, periods=n_times, freq="D", tz="UTC")
    return pd.DataFrame(np.exp(steps.cumsum(axis=0)), index=times,
                        columns=[f"S{i:02d}" for i in range(n_symbols)])


def forward_frame(close: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Prediction rows whose label is the ``horizon``-bar forward return (score to be set)."""
    forward = (close.shift(-horizon) / close - 1).rename_axis(index="timestamp", columns="symbol")
    return forward.stack().rename("label").reset_index()


def scipy_ic(scores: np.ndarray, labels: np.ndarray, min_names: int = 3) -> list[float]:
    """The per-timestamp IC written naively: scipy's Spearman on each row's finite pairs."""
    out = []
    for x, y in zip(scores, labels, strict=True):
        keep = np.isfinite(x) & np.isfinite(y)
        if keep.sum() < min_names or np.ptp(x[keep]) == 0 or np.ptp(y[keep]) == 0:
            out.append(math.nan)
        else:
            out.append(stats.spearmanr(x[keep], y[keep]).statistic)
    return out


@st.composite
def tables(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Score and label tables with ties (values from a few integers), gaps and constant rows."""
    n_times, n_symbols = draw(st.integers(1, 12)), draw(st.integers(1, 9))
    cells = st.one_of(st.integers(-3, 3).map(float), st.just(math.nan))
    scores = np.array(draw(st.lists(cells, min_size=n_times * n_symbols, max_size=n_times * n_symbols)))
    labels = np.array(draw(st.lists(st.floats(-1, 1) | st.just(math.nan), min_size=n_times * n_symbols,
                                    max_size=n_times * n_symbols)))
    return scores.reshape(n_times, n_symbols), labels.reshape(n_times, n_symbols)


@settings(max_examples=150, deadline=None)
@given(tables(), st.integers(2, 5))
def test_timestamp_ic_is_scipy_spearman_at_each_timestamp(pair: tuple[np.ndarray, np.ndarray],
                                                          min_names: int) -> None:
    scores, labels = pair
    ic = timestamp_ic(long_frame(scores, labels), min_names=min_names)
    np.testing.assert_allclose(ic.to_numpy(), scipy_ic(scores, labels, min_names), atol=1e-12)


def test_timestamp_ic_reads_named_columns_and_skips_missing_rows() -> None:
    frame = long_frame(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[4.0, 3.0, 2.0, 1.0]]))
    frame = frame.rename(columns={"score": "alpha", "label": "fwd"}).drop(index=[3])  # symbol S03 has no row
    assert timestamp_ic(frame, score="alpha", label="fwd").tolist() == [-1.0]


@pytest.mark.parametrize("horizon", [1, 2, 5, 20])
def test_ic_t_stat_is_statsmodels_hac_and_t_nonoverlap_is_scipy(horizon: int) -> None:
    rng = np.random.default_rng(horizon)
    ic = pd.Series(0.02 + np.convolve(rng.normal(0, 0.2, 400), np.ones(horizon) / horizon, mode="same"))
    summary = ic_statistics(ic, horizon)
    ols = sm.OLS(ic.to_numpy(), np.ones(len(ic))).fit(cov_type="HAC", cov_kwds={"maxlags": horizon - 1},
                                                      use_t=True)
    assert summary["t_stat"] == pytest.approx(ols.tvalues[0], rel=1e-10)
    assert summary["p_value"] == pytest.approx(ols.pvalues[0], rel=1e-8)
    assert summary["t_nonoverlap"] == pytest.approx(stats.ttest_1samp(ic.to_numpy()[::horizon], 0.0).statistic)
    assert summary["mean"] == pytest.approx(ic.mean())
    assert summary["icir"] == pytest.approx(ic.mean() / ic.std())
    assert summary["positive_share"] == pytest.approx((ic > 0).mean())
    assert summary["n"] == 400


def test_ic_statistics_drop_nan_and_say_nan_when_undefined() -> None:
    assert ic_statistics(pd.Series([0.1, math.nan, 0.3]), 1)["n"] == 2
    empty = ic_statistics(pd.Series([], dtype=float), 5)
    assert empty["n"] == 0 and all(math.isnan(empty[k]) for k in ("mean", "std", "icir", "t_stat", "p_value"))
    flat = ic_statistics(pd.Series([0.2, 0.2, 0.2]), 1)
    assert flat["mean"] == pytest.approx(0.2) and math.isnan(flat["t_stat"]) and math.isnan(flat["icir"])
    with pytest.raises(InputError, match="horizon"):
        ic_statistics(pd.Series([0.1, 0.2]), 0)


def test_ic_by_year_groups_calendar_years() -> None:
    times = pd.to_datetime(["2020-12-30", "2020-12-31", "2021-01-01", "2021-01-04", "2021-01-05"], utc=True)
    rows = ic_by_year(pd.Series([0.1, 0.3, -0.1, math.nan, 0.1], index=times))
    assert [(r["year"], r["n"]) for r in rows] == [(2020, 2), (2021, 2)]
    assert rows[0]["mean"] == pytest.approx(0.2) and rows[1]["mean"] == pytest.approx(0.0)
    assert rows[0]["t"] == pytest.approx(0.2 / math.sqrt(0.01 / 2))  # Newey-West, no lags: biased variance


# Quantiles, spread, long-short and turnover, worked by hand on 3 days x 5 symbols (one per quintile).
HAND_SCORES = np.array([[1.0, 2.0, 3.0, 4.0, 5.0],
                        [5.0, 2.0, 3.0, 4.0, 1.0],   # S00 and S04 swap the extremes
                        [5.0, 2.0, 3.0, 4.0, 1.0]])
HAND_LABELS = np.array([[-0.02, -0.01, 0.0, 0.01, 0.02],
                        [0.03, 0.0, 0.0, 0.0, -0.01],
                        [0.01, 0.0, 0.0, 0.0, 0.03]])


def test_quantile_returns_by_hand() -> None:
    result = quantile_returns(long_frame(HAND_SCORES, HAND_LABELS), n_quantiles=5)
    # bottom quintile: S00, S04, S04 -> (-0.02, -0.01, 0.03); top: S04, S00, S00 -> (0.02, 0.03, 0.01)
    assert result["mean"] == pytest.approx([0.0, -0.01 / 3, 0.0, 0.01 / 3, 0.02])
    spread = np.array([0.04, 0.04, -0.02])
    assert result["spread"] == pytest.approx(0.02)
    assert result["spread_t"] == pytest.approx(0.02 / math.sqrt(spread.var() / 3))
    assert result["n_timestamps"] == 3 and result["n_quantiles"] == 5


def test_quantiles_follow_qcut_on_the_ranks_and_skip_thin_timestamps() -> None:
    scores = np.array([[7.0, 1.0, 6.0, 2.0, 5.0, 3.0, 4.0], [1.0, 2.0, math.nan, math.nan, math.nan, math.nan, 3.0]])
    labels = np.tile(np.arange(7.0), (2, 1))
    result = quantile_returns(long_frame(scores, labels), n_quantiles=5)
    ranks = pd.Series(scores[0]).rank()
    qcut = pd.qcut(ranks, 5, labels=False)  # the reference: 7 names as 2, 1, 1, 1, 2
    expected = [labels[0][qcut.to_numpy() == q].mean() for q in range(5)]
    assert result["mean"] == pytest.approx(expected)
    assert result["n_timestamps"] == 1  # 3 scores cannot fill 5 quantiles


def test_tied_scores_share_a_quantile_and_a_constant_score_has_no_spread() -> None:
    flat = quantile_returns(long_frame(np.ones((4, 10)), np.random.default_rng(0).normal(size=(4, 10))))
    assert math.isnan(flat["spread"]) and sum(math.isfinite(m) for m in flat["mean"]) == 1


def test_score_ties_count_days_that_cannot_rank() -> None:
    scores = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 2.0, math.nan], [3.0, math.nan, math.nan, math.nan],
                       [1.0, 2.0, 3.0, 4.0]])
    ties = score_ties(long_frame(scores, np.zeros_like(scores)))
    assert ties == {"constant_share": pytest.approx(1 / 3), "median_distinct": 2.0}  # day 3 has one score


def test_long_short_earns_the_next_bar_from_close() -> None:
    times = pd.date_range("2020-01-01", periods=3, freq="D", tz="UTC")
    close = pd.DataFrame({"S00": [10.0, 11.0, 11.0], "S01": [10.0, 10.0, 10.0], "S02": [10.0, 10.0, 10.0],
                          "S03": [10.0, 10.0, 10.0], "S04": [10.0, 9.0, 9.9]}, index=times)
    frame = long_frame(HAND_SCORES, HAND_LABELS)  # days 1-3; the top is S04, then S00
    returns = long_short_returns(frame, close, n_quantiles=5)
    # day 1: long S04 (-10 %), short S00 (+10 %); day 2: long S00 (0), short S04 (+10 %); day 3: no bar
    assert returns.index.tolist() == list(times[:2])
    assert returns.to_numpy() == pytest.approx([-0.2, -0.1])


def test_turnover_by_hand() -> None:
    result = turnover(long_frame(HAND_SCORES, HAND_LABELS), n_quantiles=5)
    assert result["top"] == pytest.approx(0.5) and result["bottom"] == pytest.approx(0.5)  # new on day 2 only
    rank_correlations = [stats.spearmanr(HAND_SCORES[1], HAND_SCORES[0]).statistic, 1.0]
    assert result["rank_autocorrelation"] == pytest.approx(np.mean(rank_correlations))


def test_ic_decay_peaks_at_the_horizon_the_score_knows() -> None:
    close = random_walk(300, 8, seed=3)
    frame = forward_frame(close, 10).rename(columns={"label": "score"}).assign(label=0.0)
    decay = ic_decay(frame, close, horizons=(1, 5, 10, 20))
    assert decay[10] == pytest.approx(1.0)
    assert decay[1] < decay[5] < decay[10] and decay[20] < decay[10]


def test_bad_input_is_an_input_error() -> None:
    frame = long_frame(HAND_SCORES, HAND_LABELS)
    with pytest.raises(InputError, match="label"):
        timestamp_ic(frame.drop(columns="label"))
    with pytest.raises(InputError, match="more than once"):
        timestamp_ic(pd.concat([frame, frame.iloc[:1]]))
    with pytest.raises(InputError, match="n_quantiles"):
        quantile_returns(frame, n_quantiles=1)
    with pytest.raises(InputError, match="close"):
        long_short_returns(frame, random_walk(5, 3, seed=0, start="1990-01-01").rename(columns=str.lower))


def expected_spearman(rho: float, n: int) -> float:
    """E[Spearman] of n bivariate-normal pairs with correlation rho (Moran, 1948)."""
    return 6.0 / (math.pi * (n + 1)) * (math.asin(rho) + (n - 2) * math.asin(rho / 2.0))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_planted_signal_gives_its_ic(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_times, n_symbols, rho = 3000, 20, 0.2
    labels = rng.normal(size=(n_times, n_symbols))
    scores = rho * labels + math.sqrt(1 - rho * rho) * rng.normal(size=labels.shape)
    summary = ic_statistics(timestamp_ic(long_frame(scores, labels)), 1)
    standard_error = summary["std"] / math.sqrt(summary["n"])
    assert summary["mean"] == pytest.approx(expected_spearman(rho, n_symbols), abs=4 * standard_error)
    assert summary["t_stat"] > 20


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_synthetic_markets_planted_momentum_is_found_at_its_ic(seed: int) -> None:
    spec = SynthSpec(symbols=20, bars=4000, freq="1d", mode="planted", lookback=5, horizon=1, ic=0.1, seed=seed)
    close = generate_bars(spec).pivot(index="timestamp", columns="symbol", values="close")
    frame = forward_frame(close, 1)
    frame["score"] = momentum(close, lookback=5, skip=0).stack().to_numpy()  # monotone in px_ret_5
    sheet = tear_sheet(frame, close, horizon=1)
    standard_error = sheet.ic_stats["std"] / math.sqrt(sheet.ic_stats["n"])
    # across 20 names the mean per-day Spearman is Moran's finite-n value, a little below the planted 0.1
    expected = expected_spearman(describe_planted(spec)["pearson_log"], 20)
    assert sheet.mean_ic == pytest.approx(expected, abs=4 * standard_error)
    assert sheet.pooled_ic == pytest.approx(spec.ic, abs=0.012)


@pytest.mark.parametrize("seed", range(5))
def test_random_scores_are_not_significant(seed: int) -> None:
    close = random_walk(1500, 15, seed)
    frame = forward_frame(close, 5)
    frame["score"] = np.random.default_rng(100 + seed).normal(size=len(frame))
    sheet = tear_sheet(frame, close, horizon=5)
    assert abs(sheet.ic_stats["t_stat"]) < 3 and abs(sheet.ic_stats["t_nonoverlap"]) < 3
    assert abs(sheet.quantiles["spread_t"]) < 3


def test_tear_sheet_cross_section_to_dict_and_summary() -> None:
    close = random_walk(400, 12, seed=7)
    frame = forward_frame(close, 5)
    frame["score"] = frame["label"].fillna(0.0) + np.random.default_rng(7).normal(0, 0.05, len(frame))
    sheet = tear_sheet(frame, close, horizon=5)
    assert sheet.view == "cross_section" and sheet.n_symbols == 12 and sheet.n_timestamps == 400
    assert sheet.mean_ic == pytest.approx(timestamp_ic(frame).mean())
    assert sheet.pooled_ic == pytest.approx(stats.spearmanr(frame["score"], frame["label"],
                                                            nan_policy="omit").statistic)
    data = json.loads(json.dumps(sheet.to_dict(), allow_nan=False))
    assert data["ic"]["mean"] == float(f"{sheet.mean_ic:.6g}")
    assert data["ic_decay"]["5"] == pytest.approx(sheet.ic_decay[5], rel=1e-5)
    assert data["long_short"]["n"] == len(sheet.long_short) == 399  # the last day has no next bar
    assert data["long_short"]["total_return"] == pytest.approx(np.prod(1 + sheet.long_short) - 1, rel=1e-5)
    assert data["ic"]["n"] == 395  # the last 5 days have no label: NaN -> left out
    line = sheet.summary_line()
    assert len(line) <= 80 and line.startswith("IC ") and "Q5-Q1" in line


def test_summary_line_fits_80_columns_at_its_widest() -> None:
    close = random_walk(60, 6, seed=1)
    frame = forward_frame(close, 1)
    frame["score"] = -frame["label"] * 1e-7
    sheet = tear_sheet(frame, close, horizon=1)
    widest = sheet.__class__(**{**sheet.__dict__, "ic_stats": {**sheet.ic_stats, "mean": -0.0123456,
                                                               "t_stat": -123.456, "icir": -0.123456},
                                "quantiles": {**sheet.quantiles, "spread": -0.000123456, "spread_t": -12.3456},
                                "turnover": {**sheet.turnover, "top": 1.0},
                                "ties": {"constant_share": 0.995, "median_distinct": 1.0}})
    assert len(widest.summary_line()) <= 80, widest.summary_line()
    assert widest.summary_line().endswith("turnover 100%, tied 100%") and "tied" not in sheet.summary_line()


def test_tear_sheet_of_one_series_is_the_time_series_view() -> None:
    close = random_walk(600, 1, seed=5)
    frame = forward_frame(close, 5)
    frame["score"] = frame["label"].fillna(0.0) + np.random.default_rng(5).normal(0, 0.02, len(frame))
    sheet = tear_sheet(frame, close, horizon=5)
    assert sheet.view == "time_series" and sheet.quantiles is None and sheet.long_short is None
    assert sheet.ic_stats["ic"] == pytest.approx(stats.spearmanr(frame["score"], frame["label"],
                                                                 nan_policy="omit").statistic)
    assert sheet.ic_stats["ic"] == pytest.approx(sheet.pooled_ic)
    assert 0.5 < sheet.ic_stats["hit_rate"] <= 1.0 and sheet.ic_decay[5] > sheet.ic_decay[20]
    data = json.loads(json.dumps(sheet.to_dict(), allow_nan=False))
    assert "quantiles" not in data and data["ic"]["hit_rate"] is not None
    assert data["ties"] == {"constant_share": 0.0, "median_distinct": 600.0}  # one row of 600 distinct scores
    assert len(sheet.summary_line()) <= 80 and "hit rate" in sheet.summary_line()


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.sampled_from([1, 3, 40, 700, 3000]), names=st.integers(1, 60),
       decimals=st.integers(0, 3))
def test_ranks_are_scipys_average_ranks(seed: int, rows: int, names: int, decimals: int) -> None:
    """Ranks by counting (many rows of a few dozen names) and by an unstable sort (the rest) are
    scipy's rankdata among the finite cells, ties and infinities included, to the bit."""
    from alphaforge.validation._cross_section import rank_last

    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(size=(rows, names)), decimals)
    values[rng.random(values.shape) < 0.1] = np.nan
    values[rng.random(values.shape) < 0.03] = -np.inf
    present = np.isfinite(values)
    expected = np.where(present, stats.rankdata(np.where(present, values, np.inf), axis=-1), np.nan)
    np.testing.assert_array_equal(rank_last(values), expected)
    np.testing.assert_array_equal(rank_last(values.ravel()), rank_last(values.ravel()[None, :])[0])
