"""The feature cache: a second build is all hits; a parameter change recomputes that feature alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.features import FeatureRegistry, compute_features, register
from alphaforge.features.cache import FeatureCache, data_fingerprint, feature_fingerprint
from alphaforge.features.returns import drawdown, simple_return


def _registry(return_bars: int) -> FeatureRegistry:
    """Two features; the first one's parameter is what the tests change."""
    registry = FeatureRegistry()
    register(simple_return, name="px_ret_x", params={"n": return_bars}, lookback=return_bars,
             description="return over n bars", registry=registry)
    register(drawdown, name="px_dd_x", params={"window": 24}, lookback=23, description="drawdown", registry=registry)
    return registry


@pytest.fixture
def bars(panel: pd.DataFrame) -> pd.DataFrame:
    return panel[["symbol", "timestamp", "close"]].copy()


def test_second_build_is_all_hits(tmp_path: Path, bars: pd.DataFrame) -> None:
    cache, registry = FeatureCache(tmp_path), _registry(3)
    first = cache.build(bars, features=["px_ret_x", "px_dd_x"], registry=registry)
    assert first.computed == ["px_ret_x", "px_dd_x"] and first.hits == []
    second = cache.build(bars, features=["px_ret_x", "px_dd_x"], registry=registry)
    assert second.hits == ["px_ret_x", "px_dd_x"] and second.computed == []
    pd.testing.assert_frame_equal(second.frame, first.frame, check_exact=True)
    pd.testing.assert_frame_equal(first.frame, compute_features(bars, features=["px_ret_x", "px_dd_x"],
                                                                registry=registry), check_exact=True)
    assert not list(tmp_path.rglob("*.tmp"))


def test_locate_names_the_files_build_writes(tmp_path: Path, bars: pd.DataFrame) -> None:
    cache, registry = FeatureCache(tmp_path), _registry(3)
    located = cache.locate(bars, features=["px_ret_x", "px_dd_x"], registry=registry)
    assert not located.keys_path.exists() and not any(p.exists() for p in located.paths.values())
    built = cache.build(bars, features=["px_ret_x", "px_dd_x"], registry=registry)
    assert located.data_key == built.data_fingerprint and list(located.paths) == ["px_ret_x", "px_dd_x"]
    assert located.keys_path.exists() and all(p.exists() for p in located.paths.values())
    assert set(tmp_path.rglob("*.parquet")) == {located.keys_path, *located.paths.values()}


def test_changing_one_parameter_recomputes_only_that_feature(tmp_path: Path, bars: pd.DataFrame) -> None:
    cache = FeatureCache(tmp_path)
    cache.build(bars, features=["px_ret_x", "px_dd_x"], registry=_registry(3))
    changed = cache.build(bars, features=["px_ret_x", "px_dd_x"], registry=_registry(5))
    assert changed.computed == ["px_ret_x"] and changed.hits == ["px_dd_x"]
    expected = bars["close"] / bars.groupby("symbol")["close"].shift(5) - 1.0
    np.testing.assert_array_equal(changed.frame["px_ret_x"].to_numpy(), expected.to_numpy())


def test_new_data_misses(tmp_path: Path, bars: pd.DataFrame) -> None:
    cache, registry = FeatureCache(tmp_path), _registry(3)
    cache.build(bars, features="px_dd_x", registry=registry)
    edited = bars.copy()
    edited.loc[10, "close"] *= 1.01
    assert cache.build(edited, features="px_dd_x", registry=registry).computed == ["px_dd_x"]
    assert data_fingerprint(edited) != data_fingerprint(bars)
    assert data_fingerprint(bars, since="2020-02-01") != data_fingerprint(bars)


def test_prediction_mode_builds_are_keyed_by_since(tmp_path: Path, bars: pd.DataFrame) -> None:
    cache, registry = FeatureCache(tmp_path), _registry(3)
    since = bars["timestamp"].iloc[-5]
    built = cache.build(bars, features="px_ret_x", since=since, registry=registry)
    assert (built.frame["timestamp"] >= since).all() and built.computed == ["px_ret_x"]
    assert cache.build(bars, features="px_ret_x", since=since, registry=registry).hits == ["px_ret_x"]


def test_fingerprint_follows_code_version_and_base(bars: pd.DataFrame) -> None:
    from alphaforge.features import REGISTRY

    rsi = REGISTRY.get("ta_rsi_14")
    assert feature_fingerprint(rsi, "1") != feature_fingerprint(rsi, "2")
    assert feature_fingerprint(REGISTRY.get("xs_rank_ret_24")) != feature_fingerprint(REGISTRY.get("xs_rank_ret_1"))
