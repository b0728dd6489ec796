"""Contract suite run over every registered feature: a new feature is tested by registering it.

* No look-ahead: the value at t is unchanged when the data after t is removed or replaced
  by noise (``check_leakage``), with at least one value compared.
* The declared lookback is enough: the value at t computed from rows t - lookback .. t alone
  equals the value computed from the whole history, bit for bit.
* The metadata is complete: a known group, a description, a docstring, float output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.features import GROUPS, REGISTRY, FeatureRegistry, compute_features, register, resolve_features
from alphaforge.features.leakage import check_leakage

ALL = REGISTRY.names()


@pytest.mark.parametrize("name", ALL)
def test_no_look_ahead(name: str, panel: pd.DataFrame, macro: pd.DataFrame) -> None:
    results = check_leakage(panel, macro, [REGISTRY.get(name)], cuts=2)
    assert results, f"{name} produced no column"
    for result in results:
        assert result.checked > 0, f"{result.column}: no value before the cut to compare"
        assert result.changed_by_truncation == 0, f"{result.column} changes when later data is removed"
        assert result.changed_by_noise == 0, f"{result.column} changes when later data is replaced by noise"


@pytest.mark.parametrize("name", ALL)
def test_lookback_is_enough(name: str, panel: pd.DataFrame, macro: pd.DataFrame) -> None:
    feature = REGISTRY.get(name)
    full = compute_features(panel, macro, [feature])
    first_symbol = (panel["symbol"] == panel["symbol"].iloc[0]).to_numpy()
    rows = np.flatnonzero(first_symbol)
    checked = 0
    for t in rows[[feature.lookback + 5, (feature.lookback + len(rows)) // 2, -1]]:
        window = np.zeros(len(panel), dtype=bool)
        window[t - feature.lookback: t + 1] = True
        window |= ~first_symbol  # other symbols whole: cross-sectional features rank against them
        alone = compute_features(panel[window].reset_index(drop=True), macro[window].reset_index(drop=True),
                                 [feature])
        at_t = alone["timestamp"] == panel["timestamp"].iloc[t]
        got = alone.loc[at_t & (alone["symbol"] == panel["symbol"].iloc[t])].iloc[0]
        want = full.iloc[t]
        columns = [c for c in full.columns if c not in ("symbol", "timestamp")]
        np.testing.assert_array_equal(got[columns].to_numpy(float), want[columns].to_numpy(float))
        checked += int(want[columns].notna().sum())
    assert checked > 0, f"{name} is NaN at every checked row: the check saw nothing"


@pytest.mark.parametrize("name", ALL)
def test_metadata_is_complete(name: str) -> None:
    feature = REGISTRY.get(name)
    assert feature.group in GROUPS
    assert feature.description and "\n" not in feature.description
    assert feature.func.__doc__, f"{feature.func.__name__} needs a docstring saying its window and lag"
    assert feature.kind != "cross_sectional" or feature.base in REGISTRY


def test_default_set_covers_the_issue() -> None:
    names = {f.name for f in resolve_features("default")}
    assert len(names) >= 80
    for expected in ("ta_rsi_14", "ta_macd_line", "ta_macd_signal", "ta_macd_hist", "ta_bb_pctb_20",
                     "ta_bb_width_20", "ta_natr_14", "ta_adx_14", "ta_stoch_k_14", "ta_stoch_d_14",
                     "ta_willr_14", "ta_cci_20", "ta_mfi_14", "ta_obv_slope_20", "px_ret_24", "px_acc_24",
                     "px_dist_high_72", "px_dist_low_72", "px_drawdown_168", "px_rvol_24", "px_parkinson_24",
                     "px_gk_24", "px_skew_72", "px_kurt_72", "vol_ratio_24", "vol_z_24", "vol_dollar",
                     "xs_rank_ret_24", "xs_rank_rvol_24", "xs_rank_vol_ratio_24", "macro_level", "macro_chg_24",
                     "macro_z_168", "cal_hour_sin", "cal_hour_cos", "cal_dow_sin", "cal_dow_cos"):
        assert expected in names


def _whole_sample_mean(close: np.ndarray) -> np.ndarray:
    """Close over the mean close of the whole sample: the textbook look-ahead."""
    return close / close.mean()


def _centred_mean(close: np.ndarray) -> np.ndarray:
    """Mean of a 5-bar window centred on t: reads two bars of the future."""
    return pd.Series(close).rolling(5, center=True).mean().to_numpy()


@pytest.mark.parametrize("leaky", [_whole_sample_mean, _centred_mean])
def test_leakage_check_catches_look_ahead(leaky, panel: pd.DataFrame) -> None:
    registry = FeatureRegistry()
    register(leaky, name="px_leaky", lookback=0, description="leaks", registry=registry)
    [result] = check_leakage(panel, features="px_leaky", registry=registry, cuts=1)
    assert not result.passed
    assert result.changed_by_truncation > 0 and result.changed_by_noise > 0
