"""The meta dataset: schema, hand-checked labels per label type, t1, gaps, empty results, and
agreement with the target registry's labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.backtest import make_strategy
from alphaforge.backtest._frames import close_grid
from alphaforge.backtest.strategies import Strategy
from alphaforge.data.synthetic import SynthSpec, generate_bars
from alphaforge.errors import InputError
from alphaforge.features import compute_features
from alphaforge.meta.dataset import (
    KEY_COLUMNS,
    LABEL_TYPES,
    OUTCOME_COLUMNS,
    LabelSpec,
    build_meta_dataset,
    feature_columns,
    horizon_in_bars,
    signal_table,
    success,
)
from alphaforge.targets import compute_targets, t1_column


class Scripted(Strategy):
    """Fixed weights (a test double): the strategy's signals are known in advance."""

    name = "scripted"

    def __init__(self, weights: pd.DataFrame) -> None:
        self.weights = weights

    def target_weights(self, close: pd.DataFrame) -> pd.DataFrame:
        return self.weights.reindex(index=close.index, columns=close.columns)


def _bars(closes: dict[str, list[float]]) -> pd.DataFrame:
    n = len(next(iter(closes.values())))
    times = pd.date_range("2024-01-01", periods=n, freq="D", tz="UTC")
    return pd.concat([pd.DataFrame({"symbol": s, "timestamp": times, "close": np.asarray(c, dtype="float64")})
                      for s, c in closes.items()], ignore_index=True)


def _features(bars: pd.DataFrame) -> pd.DataFrame:
    return compute_features(bars, features="px_ret_1")


@pytest.fixture
def hand_case():
    """A long at bar 1 of A (close 100 -> 103 -> 97 -> 104), a short at bar 1 of B (flat 50 -> 49)."""
    bars = _bars({"A": [99, 100, 103, 97, 104, 104], "B": [50, 50, 50, 49, 49, 49]})
    times = bars["timestamp"].unique()
    weights = pd.DataFrame({"A": [0, 1, 1, 1, 1, 0], "B": [0, -1, -1, -1, 0, 0]}, index=times, dtype="float64")
    return bars, Scripted(weights), times


def test_schema_one_row_per_signal_with_features_and_outcomes():
    bars = generate_bars(SynthSpec(symbols=3, bars=400, freq="1d", seed=4, mode="random_walk"))
    dataset = build_meta_dataset(bars, make_strategy("trend_baseline", fast=5, slow=20),
                                 compute_features(bars, features=["px", "ta_rsi_14"]), LabelSpec())
    assert list(dataset.columns[:3]) == ["symbol", "timestamp", "side"]
    assert list(dataset.columns[-len(OUTCOME_COLUMNS):]) == list(OUTCOME_COLUMNS)
    names = feature_columns(dataset)
    assert "side" in names and all(n.startswith(("px_", "ta_")) for n in names if n != "side")
    assert dataset["label"].dtype == "int64" and set(dataset["label"]) <= {0, 1}
    assert (dataset["t1"] > dataset["timestamp"]).all() and (dataset["horizon_bars"] == 10).all()
    assert dataset["timestamp"].is_monotonic_increasing and not dataset.duplicated(["symbol", "timestamp"]).any()
    np.testing.assert_allclose(dataset["realized_return"],
                               dataset["side"] * (dataset["exit_price"] / dataset["entry_price"] - 1.0))


@pytest.mark.parametrize(("label_type", "threshold", "expected", "exit_offset"), [
    ("binary_absolute", 0.025, {"A": 0, "B": 0}, 2),    # A +3 % at bar 2, -3 % at bar 3; B +2 % (short)
    ("binary_absolute", 0.01, {"A": 0, "B": 1}, 2),
    ("multi_class", 0.02, {"A": 0, "B": 2}, 2),
    ("triple_barrier", 0.025, {"A": 1, "B": 0}, None),  # A touches +3 % at bar 2; B never reaches 2.5 %
    ("binary_outperformance", 0.02, {"A": 0, "B": 0}, 2),  # A -3 %, B -2 %, mean -2.5 %: neither side beats it
])
def test_labels_by_hand(hand_case, label_type, threshold, expected, exit_offset):
    bars, strategy, times = hand_case
    dataset = build_meta_dataset(bars, strategy, _features(bars), LabelSpec(horizon=2, threshold=threshold,
                                                                            label_type=label_type))
    rows = dataset.set_index("symbol")
    assert rows["label"].to_dict() == expected
    assert rows.loc["A", "entry_price"] == 100.0 and rows.loc["B", "entry_price"] == 50.0
    if exit_offset is not None:
        assert (rows["t1"] == times[1 + exit_offset]).all()
    else:
        assert rows.loc["A", "t1"] == times[2] and rows.loc["A", "exit_price"] == 103.0
        assert rows.loc["B", "t1"] == times[3]
    assert rows.loc["B", "realized_return"] == pytest.approx(-(rows.loc["B", "exit_price"] / 50.0 - 1.0))


@pytest.mark.parametrize(("label_type", "label", "t1_bar", "exit_price"), [
    ("binary_absolute", 1, 4, 104.0),   # 100 -> 104 over A's own bars 2 and 4; carried over bar 3: 101 (+1 %)
    ("triple_barrier", 1, 4, 104.0),    # the first own bar past +2 % is bar 4, after the gap
    ("binary_outperformance", 1, 4, 104.0),  # A +4 % vs B +1 % over their own next two bars: mean 2.5 %
])
def test_a_gap_in_a_symbols_bars_lengthens_the_trade_in_time_not_in_bars(label_type, label, t1_bar, exit_price):
    """The horizon counts the symbol's own bars, as the target registry does: A has no bar 3,
    so its 2-bar trade from bar 1 ends on bar 4 (t1). Labels used to count the panel's bars and
    carry A's bar-2 close over bar 3, ending the trade there at +1 % (label 0; no benchmark)."""
    bars = _bars({"A": [99, 100, 101, 0, 104, 104, 104], "B": [50, 50, 50, 50.5, 50.5, 50.5, 50.5]})
    bars = bars[~((bars["symbol"] == "A") & (bars["timestamp"].dt.day == 4))].reset_index(drop=True)
    times = pd.DatetimeIndex(bars["timestamp"].unique()).sort_values()
    weights = pd.DataFrame({"A": [0, 1, 0, -1, -1, -1, 0]}, index=times, dtype="float64")
    table = signal_table(bars, Scripted(weights), _features(bars), LabelSpec(horizon=2, threshold=0.02,
                                                                             label_type=label_type))
    long, in_gap = table.iloc[0], table.iloc[1]
    assert long["label"] == label and long["t1"] == times[t1_bar] and long["exit_price"] == exit_price
    # the short opened on bar 3, where A has no price: nothing trades there, so no outcome
    assert in_gap["timestamp"] == times[3] and np.isnan(in_gap["label"]) and np.isnan(in_gap["entry_price"])
    assert pd.isna(in_gap["t1"])


def _every_bar_a_signal(bars: pd.DataFrame) -> Scripted:
    """Sides alternating every bar (so every bar opens a trade), long where short on the next symbol."""
    close = close_grid(bars).close_frame()
    parity = np.add.outer(np.arange(close.shape[0]), np.arange(close.shape[1])) % 2
    return Scripted(pd.DataFrame(np.where(parity == 0, 1.0, -1.0), index=close.index, columns=close.columns))


@pytest.mark.parametrize(("label_type", "target", "short_label"), [
    ("binary_absolute", "binary_abs_5_0.01", lambda targets: targets["fwd_ret_5"] <= -0.01),
    ("binary_outperformance", "binary_outperf_5_ew", lambda targets: targets["binary_outperf_5_ew"] == 0),
])
def test_a_long_signals_label_is_the_registry_targets_and_a_shorts_its_mirror(label_type, target, short_label):
    """On every bar of a panel with gaps and a late listing: a long's label and t1 are the
    registry target's on that bar, a short's label is the mirrored rule (a fall of at least the
    threshold; the benchmark beaten downwards) with the same t1."""
    bars = generate_bars(SynthSpec(symbols=3, bars=120, freq="1d", seed=9, mode="random_walk"))
    listed_late = (bars["symbol"] == bars["symbol"].iloc[0]) & (bars["timestamp"] < bars["timestamp"].iloc[10])
    in_a_gap = np.arange(len(bars)) % 17 == 1
    bars = bars[~listed_late & ~in_a_gap].reset_index(drop=True)
    table = signal_table(bars, _every_bar_a_signal(bars), _features(bars),
                         LabelSpec(horizon=5, threshold=0.01, label_type=label_type))
    targets = compute_targets(bars, [target, "fwd_ret_5"])
    rows = table.merge(targets, on=list(KEY_COLUMNS), how="inner", validate="one_to_one")
    assert len(rows) == len(bars) and len(table) > len(bars)  # signals on bars a symbol lacks are left over
    assert rows["label"].notna().tolist() == rows[target].notna().tolist()
    labelled = rows[rows[target].notna()]
    long, short = labelled[labelled["side"] == 1], labelled[labelled["side"] == -1]
    assert len(long) > 100 and len(short) > 100
    assert long["label"].tolist() == long[target].tolist()
    assert short["label"].tolist() == short_label(short).astype(float).tolist()
    assert labelled["t1"].equals(labelled[t1_column(target)])


def test_success_is_the_label_types_winning_class(hand_case):
    bars, strategy, _ = hand_case
    for label_type in LABEL_TYPES:
        dataset = build_meta_dataset(bars, strategy, _features(bars), LabelSpec(horizon=2, threshold=0.01,
                                                                                label_type=label_type))
        wins = dataset["realized_return"] >= 0.01 if label_type != "binary_outperformance" else None
        if wins is not None:
            assert success(dataset).tolist() == wins.astype(int).tolist()


def test_signals_whose_horizon_runs_past_the_data_are_kept_unlabelled_in_the_signal_table(hand_case):
    bars, strategy, _ = hand_case
    table = signal_table(bars, strategy, _features(bars), LabelSpec(horizon=5))
    assert len(table) == 2 and table["label"].isna().all() and table["t1"].isna().all()
    with pytest.raises(InputError, match="no labelled scripted signals"):
        build_meta_dataset(bars, strategy, _features(bars), LabelSpec(horizon=5))


def test_no_signal_in_the_range_is_a_clear_error(hand_case):
    bars, strategy, _ = hand_case
    with pytest.raises(InputError) as caught:
        build_meta_dataset(bars, strategy, _features(bars), LabelSpec(horizon=2), start="2024-01-04")
    assert "0 signal(s)" in caught.value.message and caught.value.fix


def test_horizon_days_become_bars_at_the_frequency():
    assert horizon_in_bars(days=10, bars=None, freq="1d") == 10
    assert horizon_in_bars(days=1, bars=None, freq="1h") == 24
    assert horizon_in_bars(days=None, bars=7, freq="1h") == 7
    with pytest.raises(InputError):
        horizon_in_bars(days=1, bars=1, freq="1d")
    with pytest.raises(InputError):
        LabelSpec(label_type="binary")
