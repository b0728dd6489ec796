"""Every registered target kind passes the same contract on a random panel.

Labels read the future only up to ``t1`` and their horizon: recomputing on data cut at a time
gives the same label and t1 for every row it still labels, labels every row whose horizon
(5 hourly bars for all names here) ends by the cut, and never labels a row whose t1 is after it.
Of bar t itself a label reads only the close, the price a decision at t can trade: the rest of
bar t (its high and low) is known at t, and a label built on it is predictable from features.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from alphaforge.errors import InputError
from alphaforge.targets import TARGET_KINDS, compute_targets, parse_target, t1_column

HORIZON = 5
NAMES = ["fwd_ret_5", "fwd_logret_5", "fwd_volret_5_20", "binary_abs_5_0.01", "binary_abs_5_0.01_touch",
         "binary_outperf_5_ew", "binary_outperf_5_B", "multi_class_5_3_50", "tb_5_1.0_1.0",
         "tb_5_1.0_0.5_cusumvol1.0_zero", "tb_5h_1.0_1.0", "y_will_swing_low_5_0.50", "y_will_swing_high_5_0.50"]


def test_the_contract_covers_every_registered_kind() -> None:
    assert {parse_target(name).kind for name in NAMES} == set(TARGET_KINDS)


@pytest.fixture(scope="module")
def panel(random_panel: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    return random_panel(300)


@pytest.fixture(scope="module")
def targets(panel: pd.DataFrame) -> pd.DataFrame:
    return compute_targets(panel, NAMES)


def test_table_is_keyed_by_the_bars_with_a_t1_per_target(panel: pd.DataFrame, targets: pd.DataFrame) -> None:
    assert targets[["symbol", "timestamp"]].equals(panel[["symbol", "timestamp"]].astype({"symbol": str}))
    assert list(targets.columns[2:]) == [c for name in NAMES for c in (name, t1_column(name))]


@pytest.mark.parametrize("name", NAMES)
def test_labels_and_t1_come_together_after_t_and_tails_are_empty(targets: pd.DataFrame, name: str) -> None:
    labelled = targets[name].notna()
    assert labelled.sum() > 50
    assert labelled.equals(targets[t1_column(name)].notna())
    rows = targets[labelled]
    assert (rows[t1_column(name)] > rows["timestamp"]).all()
    assert not labelled[targets.groupby("symbol").tail(5).index].any()


@pytest.mark.parametrize("name", NAMES)
def test_labels_use_no_data_after_t1(panel: pd.DataFrame, targets: pd.DataFrame, name: str) -> None:
    for cut in panel["timestamp"].unique()[[120, 200]]:
        cut_targets = compute_targets(panel[panel["timestamp"] <= cut].reset_index(drop=True), [name])
        full = targets[targets["timestamp"] <= cut].reset_index(drop=True)
        kept = cut_targets[name].notna().to_numpy()
        pd.testing.assert_series_equal(cut_targets[name][kept], full[name][kept])
        pd.testing.assert_series_equal(cut_targets[t1_column(name)][kept], full[t1_column(name)][kept])
        settled = (full[name].notna() & (full["timestamp"] + pd.Timedelta(hours=HORIZON) <= cut)).to_numpy()
        assert kept[settled].all()
        assert not (kept & (full[t1_column(name)] > cut).to_numpy()).any()


@pytest.mark.parametrize("name", NAMES)
def test_a_label_reads_its_own_bar_only_through_the_close(panel: pd.DataFrame, targets: pd.DataFrame,
                                                          name: str) -> None:
    # Every 7th bar gets a wide range; its own label must not move. The horizon (5) is shorter
    # than the spacing, so none of those labels reads another widened bar.
    widened = (panel.groupby("symbol").cumcount() % 7 == 3).to_numpy()
    wide = panel.copy()
    wide.loc[widened, "high"] = wide.loc[widened, "close"] * 1.05
    wide.loc[widened, "low"] = wide.loc[widened, "close"] * 0.95
    changed = compute_targets(wide, [name])
    for column in (name, t1_column(name)):
        pd.testing.assert_series_equal(changed.loc[widened, column], targets.loc[widened, column])


def test_same_bars_give_identical_targets(panel: pd.DataFrame, targets: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(compute_targets(panel, NAMES), targets)


def test_unsorted_bars_are_rejected(panel: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="validate_bars"):
        compute_targets(panel.iloc[::-1], ["fwd_ret_1"])
