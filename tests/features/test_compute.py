"""The compute path: output shape, skipped features, input checks, user features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge import cpus
from alphaforge.data.synthetic import SynthSpec, generate_bars
from alphaforge.errors import AlphaForgeError, InputError
from alphaforge.features import (
    FeatureRegistry,
    FeatureSkipWarning,
    compute_features,
    register,
    resolve_features,
    warmup_rows,
)
from alphaforge.features import compute
from alphaforge.features.compute import _symbol_codes
from alphaforge.features.windows import rolling_sum


def test_keys_and_columns(panel: pd.DataFrame, macro: pd.DataFrame) -> None:
    out = compute_features(panel, macro, "ta_rsi_14, macro_level, xs_rank_ret_1")
    assert out.columns.tolist() == ["symbol", "timestamp", "ta_rsi_14", "macro_level_vix", "macro_level_rate",
                                    "xs_rank_ret_1"]
    pd.testing.assert_frame_equal(out[["symbol", "timestamp"]], panel[["symbol", "timestamp"]])
    assert out["ta_rsi_14"].dtype == np.float64
    ranks = out.groupby("timestamp")["xs_rank_ret_1"].agg(["min", "max"]).dropna()
    assert (ranks["min"] == 0.0).all() and (ranks["max"] == 1.0).all()


def test_close_only_data_skips_with_one_notice(panel: pd.DataFrame) -> None:
    close_only = panel[["symbol", "timestamp", "close"]]
    with pytest.warns(FeatureSkipWarning) as notices:
        out = compute_features(close_only, features="ta_rsi_14, ta_adx_14, vol_ratio_24, xs_rank_vol_ratio_24")
    assert len(notices) == 1
    message = str(notices[0].message)
    assert "skipped 3 feature(s)" in message and "ta_adx_14" in message and "xs_rank_vol_ratio_24" in message
    assert "need high, low" in message and "need volume" in message
    assert out.columns.tolist() == ["symbol", "timestamp", "ta_rsi_14"]


def test_close_only_default_set_keeps_the_close_features(panel: pd.DataFrame) -> None:
    with pytest.warns(FeatureSkipWarning):
        out = compute_features(panel[["symbol", "timestamp", "close"]])
    assert {"px_ret_24", "px_drawdown_168", "px_rvol_24", "ta_rsi_14", "ta_macd_hist", "cal_dow_sin",
            "xs_rank_ret_24"} <= set(out.columns)
    assert not {"ta_adx_14", "px_gk_24", "vol_z_24"} & set(out.columns)


def test_unsorted_bars_are_refused(panel: pd.DataFrame) -> None:
    shuffled = panel.sample(frac=1.0, random_state=0).reset_index(drop=True)
    with pytest.raises(InputError, match="not sorted") as caught:
        compute_features(shuffled, features="px_ret_1")
    assert "validate_bars" in caught.value.fix


def test_long_macro_must_be_aligned_first(panel: pd.DataFrame) -> None:
    long_macro = pd.DataFrame({"series": ["vix"], "timestamp": panel["timestamp"].iloc[:1], "value": [1.0]})
    with pytest.raises(InputError, match="align"):
        compute_features(panel, long_macro, "macro_level")


def test_since_after_the_data_gives_no_rows(panel: pd.DataFrame) -> None:
    out = compute_features(panel, features="px_ret_1", since=panel["timestamp"].max() + pd.Timedelta("1h"))
    assert out.empty and out.columns.tolist() == ["symbol", "timestamp", "px_ret_1"]


def test_since_reads_only_the_warmup(panel: pd.DataFrame) -> None:
    """A feature function sees at most its lookback + the kept rows in prediction mode."""
    seen: list[int] = []

    def spy(close, *, n):
        """close over the close n bars earlier."""
        seen.append(len(close))
        return close / np.r_[np.full(n, np.nan), close[:-n]]

    registry = FeatureRegistry()
    feature = register(spy, name="px_spy", params={"n": 5}, lookback=5, description="spy", registry=registry)
    since = panel["timestamp"].iloc[-2]  # the last two bars of every symbol
    compute_features(panel, features="px_spy", since=since, registry=registry)
    assert seen == [5 + 2] * panel["symbol"].nunique() and warmup_rows([feature]) == 5


def test_a_broken_user_feature_is_named(panel: pd.DataFrame) -> None:
    def short(close):
        """Returns one value too few."""
        return close[1:]

    registry = FeatureRegistry()
    register(short, name="px_short", lookback=0, description="broken", registry=registry)
    with pytest.raises(AlphaForgeError, match="returned shape") as caught:
        compute_features(panel, features="px_short", registry=registry)
    assert caught.value.where == "feature px_short"


def test_features_accepts_feature_objects(panel: pd.DataFrame) -> None:
    chosen = resolve_features("cal_hour_*")
    out = compute_features(panel, features=chosen)
    hours = panel["timestamp"].dt.hour.to_numpy()
    np.testing.assert_allclose(out["cal_hour_sin"], np.sin(2 * np.pi * hours / 24), atol=1e-12)


def test_a_feature_may_read_an_extra_bar_column(panel: pd.DataFrame) -> None:
    def funding_sum(funding, *, window):
        """Sum of the funding rate over the last ``window`` bars."""
        return rolling_sum(funding, window)

    registry = FeatureRegistry()
    register(funding_sum, name="px_funding_3", params={"window": 3}, lookback=2, description="funding",
             registry=registry)
    bars = panel.assign(funding=1.0)
    out = compute_features(bars, features="px_funding_3", since=bars["timestamp"].iloc[-1], registry=registry)
    assert out["px_funding_3"].tolist() == [3.0] * bars["symbol"].nunique()
    with pytest.warns(FeatureSkipWarning, match="need funding"):
        compute_features(panel, features="px_funding_3", registry=registry)


@settings(max_examples=80, deadline=None)
@given(symbols=st.lists(st.sampled_from(["A", "B", "C", "BTC-USD"]), min_size=1, max_size=30),
       dtype=st.sampled_from(["str", "string", "object", "category"]))
def test_symbol_codes_are_factorize_codes(symbols: list[str], dtype: str) -> None:
    """The neighbour comparison (grouped symbols) and its fallback (a symbol coming back) both
    give pandas.factorize's codes, so the order check refuses the same bars."""
    series = pd.Series(sorted(symbols, key=symbols.index) if len(symbols) % 2 else symbols).astype(dtype)
    codes = _symbol_codes(series)
    expected = pd.factorize(series)[0]
    np.testing.assert_array_equal(codes, expected)
    assert codes.dtype == expected.dtype


def test_training_mode_keys_are_the_bars_own_columns(panel: pd.DataFrame) -> None:
    out = compute_features(panel, features="px_ret_1")
    out.loc[0, "symbol"] = "changed"  # copy-on-write: the bars stay as they were
    assert panel["symbol"].iloc[0] != "changed"
    assert out["timestamp"].dtype == panel["timestamp"].dtype


def test_each_feature_alone_equals_it_in_the_default_set(panel: pd.DataFrame, macro: pd.DataFrame) -> None:
    """Helpers shared between the features of one compute (log returns, true range, log ranges,
    money flows...) never change a value: every column is bit-identical computed on its own."""
    together = compute_features(panel, macro, "default")
    for feature in resolve_features("default"):
        alone = compute_features(panel, macro, [feature])
        for column in alone.columns[2:]:
            np.testing.assert_array_equal(alone[column].to_numpy(), together[column].to_numpy(), err_msg=column)


@pytest.mark.parametrize(("rows", "threaded"), [(1_408, False), (compute.THREADED_BLOCK_ROWS, True)])
def test_symbols_share_threads_only_when_their_blocks_are_long(rows: int, threaded: bool,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Short blocks (a prediction's warm-up) run on this thread: on two threads their many short
    NumPy calls took 1.7-2.6x as long, each waiting for the other to pass the GIL."""
    pools: list[int] = []
    started = cpus.ThreadPoolExecutor

    def counting_pool(*args, **kwargs):
        pools.append(1)
        return started(*args, **kwargs)

    monkeypatch.setattr(cpus, "ThreadPoolExecutor", counting_pool)
    monkeypatch.setenv("ALPHAFORGE_THREADS", "2")
    times = pd.date_range("2024-01-01", periods=rows, freq="h", tz="UTC")
    closes = 100.0 * np.exp(np.cumsum(np.random.default_rng(0).normal(0.0, 0.01, (2, rows)), axis=1))
    bars = pd.DataFrame({"symbol": np.repeat(["A", "B"], rows), "timestamp": np.tile(times, 2),
                         "close": closes.ravel()})
    compute_features(bars, features="px_ret_1")
    assert bool(pools) is threaded


@pytest.mark.parametrize("threads", ["2", "3"])
def test_symbols_on_several_threads_give_the_one_thread_bits(panel: pd.DataFrame, macro: pd.DataFrame,
                                                             threads: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The compute path fills each symbol's rows on one thread per usable CPU: every value is the
    same bits as on one thread, in both modes (each block writes only its own rows)."""
    monkeypatch.setattr(compute, "THREADED_BLOCK_ROWS", 0)  # this panel's blocks are short: thread them anyway
    since = panel["timestamp"].iloc[len(panel) // 8]
    monkeypatch.setenv("ALPHAFORGE_THREADS", "1")
    serial = [compute_features(panel, macro, "default"), compute_features(panel, macro, "default", since=since)]
    monkeypatch.setenv("ALPHAFORGE_THREADS", threads)
    for one, several in zip(serial, [compute_features(panel, macro, "default"),
                                     compute_features(panel, macro, "default", since=since)], strict=True):
        pd.testing.assert_frame_equal(several, one, check_exact=True)


def test_symbols_joined_into_runs_keep_each_symbols_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    """On several threads the whole-history path calls each kernel once per run of symbols: the
    rows whose windows lie in their own symbol come from the joined rows, a symbol's first rows
    (shorter histories than the warm-up included) from its rows alone. Every bit, NaN included,
    is the one-symbol-at-a-time value."""
    parts = []
    for number, rows in enumerate([3_000, 300, 2_500, 1_200, 4_000]):
        bars = generate_bars(SynthSpec(symbols=1, bars=rows, freq="1h", seed=number))
        parts.append(bars.assign(symbol=f"S{number}"))
    bars = pd.concat(parts, ignore_index=True)
    macro = pd.DataFrame({"rate": 2.0 + np.cumsum(np.random.default_rng(0).normal(0.0, 0.01, len(bars)))})
    monkeypatch.setenv("ALPHAFORGE_THREADS", "1")
    alone = compute_features(bars, macro, "default")
    monkeypatch.setattr(compute, "THREADED_BLOCK_ROWS", 0)
    monkeypatch.setattr(compute, "JOINED_ROWS", 4_000)  # runs of three and two symbols
    monkeypatch.setenv("ALPHAFORGE_THREADS", "2")
    assert [len(run) for run in compute._joined(compute._blocks(*compute._check_bars(bars), None, 0), 2)] == [3, 2]
    joined = compute_features(bars, macro, "default")
    values = [frame.drop(columns=["symbol", "timestamp"]).to_numpy() for frame in (alone, joined)]
    np.testing.assert_array_equal(values[1].view(np.int64), values[0].view(np.int64))
