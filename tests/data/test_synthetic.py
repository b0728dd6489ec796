"""The synthetic generator: determinism, schema, realism, and the planted / null signals.

Statistical checks compare against noise bounds computed from the sample size (Bartlett's
formula for overlapping windows); with fixed seeds they are deterministic, and the bounds
say how far from the claim the data would have to be before the test fails.
"""

from __future__ import annotations

import json
import math
from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alphaforge.data.schema import TIMESTAMP_DTYPE, validate_bars
from alphaforge.data.synthetic import MODES, SynthSpec, describe_planted, generate_bars
from alphaforge.errors import InputError

SYMBOLS, BARS = 20, 5_000
SIGMAS = 5.0  # how many standard errors a statistic may stray before a test fails


@cache
def _bars(mode: str, seed: int = 0, **planted: int | float) -> pd.DataFrame:
    """Bars shared by the tests (generated once per parameter set; tests must not mutate)."""
    return generate_bars(SynthSpec(symbols=SYMBOLS, bars=BARS, seed=seed, mode=mode, **planted))


def _wide(bars: pd.DataFrame, column: str) -> np.ndarray:
    """One row per symbol, one column per bar (bars are sorted by symbol, then time)."""
    return bars[column].to_numpy().reshape(bars["symbol"].nunique(), -1)


def _feature_and_target(close: np.ndarray, lookback: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """``px_ret_{lookback}`` and ``fwd_ret_{horizon}`` at every bar where both exist."""
    now = close[:, lookback:-horizon]
    return now / close[:, :-lookback - horizon] - 1.0, close[:, lookback + horizon:] / now - 1.0


def _null_standard_error(n_obs: int, lookback: int, horizon: int) -> float:
    """Standard error of a correlation between a past and a forward window sum of i.i.d. returns.

    Bartlett: Var = sum_k acf_feature(k) * acf_target(k) / n, with triangular window ACFs.
    """
    lags = np.arange(-max(lookback, horizon), max(lookback, horizon) + 1)
    acf_feature = np.clip(1.0 - np.abs(lags) / lookback, 0.0, None)
    acf_target = np.clip(1.0 - np.abs(lags) / horizon, 0.0, None)
    return math.sqrt(float(acf_feature @ acf_target) / n_obs)


def _lag1_autocorrelation(rows: np.ndarray) -> np.ndarray:
    """Lag-1 autocorrelation of each row."""
    centred = rows - rows.mean(axis=1, keepdims=True)
    return (centred[:, 1:] * centred[:, :-1]).sum(axis=1) / (centred**2).sum(axis=1)


def _log_returns(bars: pd.DataFrame) -> np.ndarray:
    return np.diff(np.log(_wide(bars, "close")), axis=1)


@pytest.mark.parametrize("mode", MODES)
def test_same_seed_gives_bit_identical_bars(mode: str) -> None:
    spec = SynthSpec(symbols=3, bars=400, seed=7, mode=mode)
    pd.testing.assert_frame_equal(generate_bars(spec), generate_bars(spec), check_exact=True)


@pytest.mark.parametrize("mode", MODES)
def test_different_seeds_give_different_bars(mode: str) -> None:
    first = generate_bars(SynthSpec(symbols=3, bars=400, seed=1, mode=mode))
    second = generate_bars(SynthSpec(symbols=3, bars=400, seed=2, mode=mode))
    for column in ("open", "high", "low", "close", "volume"):
        assert not np.any(first[column].to_numpy() == second[column].to_numpy()), column


@pytest.mark.parametrize("mode", MODES)
def test_adding_symbols_leaves_existing_symbols_unchanged(mode: str) -> None:
    few = generate_bars(SynthSpec(symbols=2, bars=300, seed=3, mode=mode))
    many = generate_bars(SynthSpec(symbols=5, bars=300, seed=3, mode=mode))
    pd.testing.assert_frame_equal(few, many.iloc[: len(few)], check_exact=True)


@pytest.mark.parametrize("mode", MODES)
def test_bars_are_canonical_and_on_a_regular_grid(mode: str) -> None:
    bars = generate_bars(SynthSpec(symbols=12, bars=50, freq="5min", start="2021-03-04T10:00:00Z", mode=mode))
    validated, report = validate_bars(bars)
    pd.testing.assert_frame_equal(validated, bars, check_exact=True)
    assert not report.sorted_rows and report.dropped_duplicates == 0
    assert str(bars["timestamp"].dtype) == TIMESTAMP_DTYPE
    assert bars["symbol"].unique().tolist() == [f"SYN{i:02d}" for i in range(12)]
    for _, stamps in bars.groupby("symbol")["timestamp"]:
        assert stamps.iloc[0] == pd.Timestamp("2021-03-04T10:05:00Z")  # stamped at the first bar's end
        assert (stamps.diff().iloc[1:] == pd.Timedelta(minutes=5)).all()


def test_many_symbols_get_wider_names() -> None:
    names = SynthSpec(symbols=101, bars=10).symbol_names
    assert names[0] == "SYN000" and names[-1] == "SYN100" and names == sorted(names)


@pytest.mark.parametrize(("start", "expected"), [
    ("2020-01-01", "2020-01-01T00:00:00Z"),  # naive: read as UTC
    ("2020-01-01T09:00:00+09:00", "2020-01-01T00:00:00Z"),  # aware: converted
    (pd.Timestamp("2020-06-01", tz="America/New_York"), "2020-06-01T04:00:00Z"),
])
def test_start_is_normalised_to_utc(start: str | pd.Timestamp, expected: str) -> None:
    spec = SynthSpec(symbols=1, bars=5, freq="1d", start=start)
    assert spec.start == pd.Timestamp(expected)
    assert generate_bars(spec)["timestamp"].iloc[0] == pd.Timestamp(expected) + pd.Timedelta(days=1)


@pytest.mark.parametrize("mode", MODES)
def test_ohlc_is_consistent_and_open_follows_previous_close(mode: str) -> None:
    bars = _bars(mode)
    open_, high, low, close = (bars[c].to_numpy() for c in ("open", "high", "low", "close"))
    assert (high >= np.maximum(open_, close)).all() and (low <= np.minimum(open_, close)).all()
    assert (high > low).all() and (bars["volume"].to_numpy() > 0).all()
    gaps = np.log(_wide(bars, "open")[:, 1:] / _wide(bars, "close")[:, :-1])
    assert np.median(np.abs(gaps)) < 0.2 * np.median(np.abs(_log_returns(bars)))


def test_realistic_returns_are_fat_tailed_and_the_random_walk_is_not() -> None:
    realistic, walk = _log_returns(_bars("realistic")), _log_returns(_bars("random_walk"))
    per_symbol_error = math.sqrt(24.0 / realistic.shape[1])  # kurtosis standard error under normality
    assert (stats.kurtosis(realistic, axis=1, fisher=False) > 3.0 + SIGMAS * per_symbol_error).all()
    pooled = stats.kurtosis(walk.ravel(), fisher=False)
    assert abs(pooled - 3.0) < SIGMAS * math.sqrt(24.0 / walk.size)


def test_realistic_volatility_and_volume_cluster() -> None:
    realistic = _bars("realistic")
    bound = SIGMAS / math.sqrt(BARS)
    assert (_lag1_autocorrelation(np.abs(_log_returns(realistic))) > bound).all()
    assert (_lag1_autocorrelation(np.log(_wide(realistic, "volume"))) > bound).all()
    walk = _log_returns(_bars("random_walk"))
    assert abs(_lag1_autocorrelation(np.abs(walk)).mean()) < SIGMAS / math.sqrt(walk.size)


def test_realistic_symbols_move_together_and_random_walk_symbols_do_not() -> None:
    def mean_pairwise_correlation(returns: np.ndarray) -> float:
        matrix = np.corrcoef(returns)
        return float(matrix[np.triu_indices_from(matrix, k=1)].mean())

    assert mean_pairwise_correlation(_log_returns(_bars("realistic"))) > 0.2
    assert abs(mean_pairwise_correlation(_log_returns(_bars("random_walk")))) < SIGMAS / math.sqrt(BARS)


@pytest.mark.parametrize(("lookback", "horizon", "ic"), [(5, 1, 0.1), (10, 3, -0.08), (1, 2, 0.05)])
def test_planted_ic_is_recovered(lookback: int, horizon: int, ic: float) -> None:
    bars = _bars("planted", lookback=lookback, horizon=horizon, ic=ic)
    feature, target = _feature_and_target(_wide(bars, "close"), lookback, horizon)
    realised = stats.spearmanr(feature.ravel(), target.ravel())[0]
    assert abs(realised - ic) < SIGMAS * _null_standard_error(feature.size, lookback, horizon)


@pytest.mark.parametrize("horizon", [1, 5])
@pytest.mark.parametrize("lookback", [1, 5, 20])
def test_random_walk_past_returns_predict_nothing(lookback: int, horizon: int) -> None:
    close = _wide(_bars("random_walk"), "close")
    feature, target = _feature_and_target(close, lookback, horizon)
    own = stats.spearmanr(feature.ravel(), target.ravel())[0]
    others = (feature.sum(axis=0, keepdims=True) - feature) / (len(feature) - 1)  # the rest of the market
    cross = stats.spearmanr(others.ravel(), target.ravel())[0]
    bound = SIGMAS * _null_standard_error(feature.size, lookback, horizon)
    assert abs(own) < bound and abs(cross) < bound


def test_random_walk_volume_and_range_predict_nothing() -> None:
    bars = _bars("random_walk")
    _, target = _feature_and_target(_wide(bars, "close"), 1, 1)
    volume_change = np.diff(np.log(_wide(bars, "volume")), axis=1)[:, :-1]
    bar_range = np.log(_wide(bars, "high") / _wide(bars, "low"))[:, 1:-1]
    bound = SIGMAS * _null_standard_error(target.size, 1, 1)
    for feature in (volume_change, bar_range):
        assert abs(stats.spearmanr(feature.ravel(), target.ravel())[0]) < bound


def test_planted_signal_is_absent_from_the_random_walk_with_the_same_seed() -> None:
    planted, walk = _bars("planted"), _bars("random_walk")
    measured = []
    for bars in (planted, walk):
        feature, target = _feature_and_target(_wide(bars, "close"), 5, 1)
        measured.append(stats.spearmanr(feature.ravel(), target.ravel())[0])
    assert measured[0] > 0.05 and abs(measured[1]) < 0.02


def test_describe_planted_states_what_was_planted() -> None:
    info = describe_planted(SynthSpec(mode="planted", lookback=10, horizon=3, ic=-0.08))
    assert (info["feature"], info["target"], info["sign"], info["ic"]) == ("px_ret_10", "fwd_ret_3", -1, -0.08)
    assert 6.0 / math.pi * math.asin(info["pearson_log"] / 2.0) == pytest.approx(-0.08, abs=1e-9)
    assert info["ar_coefficient"] < 0 and "reversal" in info["statement"]
    keys = set(info)
    for mode, ic in (("random_walk", 0.0), ("realistic", None)):
        other = describe_planted(SynthSpec(mode=mode))
        assert set(other) == keys and other["feature"] is None and other["sign"] == 0 and other["ic"] == ic


@pytest.mark.parametrize("ic", [0.05, -0.2, 0.3])
def test_one_bar_plant_matches_the_ar1_closed_form(ic: float) -> None:
    # lookback = horizon = 1 is an AR(1): corr(r_t, r_t+1) = a, so Spearman = 6/pi asin(a/2).
    coefficient = describe_planted(SynthSpec(mode="planted", lookback=1, horizon=1, ic=ic))["ar_coefficient"]
    assert coefficient == pytest.approx(2.0 * math.sin(math.pi * ic / 6.0), abs=1e-9)


def test_full_size_request_has_the_expected_shape() -> None:
    bars = generate_bars(SynthSpec(symbols=20, bars=50_000, freq="1h", seed=0))
    assert bars.shape == (1_000_000, 7)
    assert bars.groupby("symbol").size().eq(50_000).all()
    assert np.isfinite(bars[["open", "high", "low", "close", "volume"]].to_numpy()).all()


@pytest.mark.parametrize(("changes", "where", "says"), [
    ({"symbols": 0}, "synth symbols", "at least 1"),
    ({"bars": 1}, "synth bars", "at least 2"),
    ({"bars": 2.5}, "synth bars", "whole number"),
    ({"seed": -1}, "synth seed", "at least 0"),
    ({"seed": True}, "synth seed", "whole number"),
    ({"freq": "1M"}, "synth freq", "unknown bar frequency"),
    ({"freq": "hourly"}, "synth freq", "unknown bar frequency"),
    ({"freq": "0h"}, "synth freq", "unknown bar frequency"),
    ({"mode": "planed"}, "synth mode", "did you mean 'planted'"),
    ({"start": "yesterday-ish"}, "synth start", "unparseable start"),
    ({"bars": 3_000_000, "freq": "1d"}, "synth bars", "2262"),
    ({"symbols": 10_000, "bars": 20_000}, "synth symbols/bars", "rows"),
    ({"mode": "planted", "ic": 0.0}, "synth ic", "random_walk"),
    ({"mode": "planted", "ic": 0.99}, "synth ic", "cannot be planted"),
    ({"mode": "planted", "ic": float("nan")}, "synth ic", "must be a number"),
    ({"mode": "planted", "lookback": 0}, "synth lookback", "between 1 and 250"),
    ({"mode": "planted", "horizon": 251}, "synth horizon", "between 1 and 250"),
    ({"mode": "planted", "bars": 6}, "synth bars", "more than 6 bars"),
])
def test_bad_specs_raise_input_errors_that_name_the_option(changes: dict, where: str, says: str) -> None:
    with pytest.raises(InputError) as caught:
        SynthSpec(**{"bars": 100, **changes})
    assert caught.value.where == where and says in str(caught.value) and caught.value.fix


def test_to_dict_is_json_and_round_trips_through_the_constructor() -> None:
    spec = SynthSpec(symbols=np.int64(4), bars=99, freq="1d", start="2022-02-02", seed=np.uint32(5),
                     mode="planted", ic=-0.1)
    assert SynthSpec(**json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.slow
def test_lightgbm_finds_the_default_plant_and_nothing_in_the_random_walk() -> None:
    lightgbm = pytest.importorskip("lightgbm")
    lookbacks = (1, 2, 3, 5, 10, 20)
    scores = {}
    for mode in ("planted", "random_walk"):
        log_close = np.log(_wide(_bars(mode, seed=3), "close"))
        longest = max(lookbacks)
        features = np.stack([log_close[:, longest:-1] - log_close[:, longest - n:-1 - n] for n in lookbacks], -1)
        target = log_close[:, longest + 1:] - log_close[:, longest:-1]
        split = int(target.shape[1] * 0.7)  # train on the first 70 % of time, score on the rest
        model = lightgbm.LGBMRegressor(n_estimators=200, learning_rate=0.05, num_leaves=15,
                                       min_child_samples=200, n_jobs=1, verbose=-1)
        model.fit(features[:, :split].reshape(-1, len(lookbacks)), target[:, :split].ravel())
        predicted = model.predict(features[:, split:].reshape(-1, len(lookbacks)))
        scores[mode] = stats.spearmanr(predicted, target[:, split:].ravel())[0]
    bound = SIGMAS / math.sqrt(target[:, split:].size)
    assert scores["planted"] > 2 * bound and abs(scores["random_walk"]) < bound
