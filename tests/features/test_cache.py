"""The feature cache: a second build is all hits; a parameter change recomputes that feature alone."""

from __future__ import annotations

import multiprocessing
import os
import signal
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.errors import InputError
from alphaforge.features import FeatureRegistry, compute_features, register
from alphaforge.features.cache import FeatureCache, data_fingerprint, feature_fingerprint
from alphaforge.features.returns import drawdown, simple_return
from alphaforge.workspace import CacheRepairWarning


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


def test_locate_names_the_columns_build_returns(tmp_path: Path, panel: pd.DataFrame, macro: pd.DataFrame) -> None:
    """The default set with macro templates (one column per series): the truncation test takes its
    column list from ``locate`` instead of reading the table."""
    cache = FeatureCache(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        built = cache.build(panel, macro, ["default"])
    located = cache.locate(panel, macro, ["default"])
    assert "macro_level_vix" in located.columns
    assert located.columns == [c for c in built.frame.columns if c not in ("symbol", "timestamp")]


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


def test_fingerprint_follows_its_module_file_edited_in_place(tmp_path: Path, monkeypatch) -> None:
    """A feature module edited on disk changes the fingerprint at once, in the same process,
    although sources are remembered between calls (a cached run asks for each one many times)."""
    import importlib

    module_file = tmp_path / "af_edited_feature.py"
    module_file.write_text("def level(close, *, n):\n    return close * 0 + n\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("af_edited_feature")
    registry = FeatureRegistry()
    register(module.level, name="edited_level", params={"n": 1}, lookback=0, description="edited",
             registry=registry)
    feature = registry.get("edited_level")
    first = feature_fingerprint(feature, registry=registry)
    assert feature_fingerprint(feature, registry=registry) == first
    stamp = module_file.stat().st_mtime_ns
    module_file.write_text("def level(close, *, n):\n    return close * 0 + 2 * n\n")
    os.utime(module_file, ns=(stamp + 10**9, stamp + 10**9))  # a later modification time, whatever the clock's tick
    assert feature_fingerprint(feature, registry=registry) != first


# ---------------------------------------------------------------- integrity (issue 20)
FEATURES = ["px_ret_x", "px_dd_x"]


def _damage(path: Path, how: str) -> None:
    """Change a cached file as the probe did: flip 64 bytes in place (same size), truncate it, or
    put another file's bytes in its place."""
    data = bytearray(path.read_bytes())
    if how == "xor":
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(b ^ 0x5A for b in data[middle:middle + 64])
    elif how == "truncate":
        data = data[: len(data) // 2]
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["xor", "truncate"])
def test_a_damaged_feature_file_is_recomputed_with_a_notice(tmp_path: Path, bars: pd.DataFrame, how: str) -> None:
    """Issue 20: XOR-ing 64 bytes of a cached feature turned an RSI of 48.9 into 4e-183 and train went
    on; a truncated file raised ArrowInvalid."""
    cache, registry = FeatureCache(tmp_path), _registry(3)
    fresh = cache.build(bars, features=FEATURES, registry=registry)
    path = cache.locate(bars, features=FEATURES, registry=registry).paths["px_ret_x"]
    _damage(path, how)
    with pytest.warns(CacheRepairWarning, match="px_ret_x"):
        again = cache.build(bars, features=FEATURES, registry=registry)
    assert again.computed == ["px_ret_x"] and again.hits == ["px_dd_x"]
    pd.testing.assert_frame_equal(again.frame, fresh.frame, check_exact=True)
    assert cache.build(bars, features=FEATURES, registry=registry).hits == FEATURES  # repaired for good


def test_a_feature_file_swapped_for_another_features_values_is_recomputed(tmp_path: Path,
                                                                           bars: pd.DataFrame) -> None:
    cache, registry = FeatureCache(tmp_path), _registry(3)
    fresh = cache.build(bars, features=FEATURES, registry=registry)
    paths = cache.locate(bars, features=FEATURES, registry=registry).paths
    other = pd.read_parquet(paths["px_dd_x"]).rename(columns={"px_dd_x": "px_ret_x"})
    other.to_parquet(paths["px_ret_x"], index=False)  # a valid Parquet file, the right column name, wrong values
    with pytest.warns(CacheRepairWarning, match="does not match"):
        again = cache.build(bars, features=FEATURES, registry=registry)
    pd.testing.assert_frame_equal(again.frame, fresh.frame, check_exact=True)


@pytest.mark.parametrize("how", ["xor", "truncate", "delete"])
def test_broken_or_missing_keys_recompute_every_feature(tmp_path: Path, bars: pd.DataFrame, how: str) -> None:
    """Issue 20: a kill after the feature files and before keys.parquet broke every later run with
    FileNotFoundError; a truncated keys.parquet raised ArrowInvalid."""
    cache, registry = FeatureCache(tmp_path), _registry(3)
    fresh = cache.build(bars, features=FEATURES, registry=registry)
    keys = cache.locate(bars, features=FEATURES, registry=registry).keys_path
    if how == "delete":
        keys.unlink()
    else:
        _damage(keys, how)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        again = cache.build(bars, features=FEATURES, registry=registry)
    assert again.computed == FEATURES
    pd.testing.assert_frame_equal(again.frame, fresh.frame, check_exact=True)


def test_files_without_a_recorded_checksum_are_recomputed_once(tmp_path: Path, bars: pd.DataFrame) -> None:
    """A cache written before checksums were recorded is not trusted: it is rebuilt once, then hits."""
    cache, registry = FeatureCache(tmp_path), _registry(3)
    cache.build(bars, features=FEATURES, registry=registry)
    for sidecar in tmp_path.rglob("*.sha256"):
        sidecar.unlink()
    with pytest.warns(CacheRepairWarning, match="no recorded checksum"):
        assert cache.build(bars, features=FEATURES, registry=registry).computed == FEATURES
    assert cache.build(bars, features=FEATURES, registry=registry).hits == FEATURES


@pytest.mark.parametrize(("since", "message"), [("garbage", "is not a date"), ("2099-01-01", "no bars")])
def test_a_since_that_is_no_date_or_after_the_data_is_refused_and_writes_nothing(
        tmp_path: Path, bars: pd.DataFrame, since: str, message: str) -> None:
    """Issue 20: `features build --since garbage` raised DateParseError; `--since 2099-01-01` exited 0
    and wrote an empty feature cache."""
    with pytest.raises(InputError, match=message) as info:
        FeatureCache(tmp_path).build(bars, features=FEATURES, since=since, registry=_registry(3))
    assert info.value.where == "since" and info.value.fix
    assert list(tmp_path.iterdir()) == []


WRITES = ["keys.parquet", "keys.parquet.sha256", "px_ret_x", "px_ret_x.sha256", "px_dd_x", "px_dd_x.sha256"]


def _build_killed_at(directory: Path, bars: pd.DataFrame, write: int) -> None:
    """In a forked child: build, and SIGKILL the process just before its ``write``-th file lands."""
    real, done = os.replace, []

    def replace(source: object, destination: object) -> None:
        done.append(destination)
        if len(done) == write:
            os.kill(os.getpid(), signal.SIGKILL)
        real(source, destination)

    os.replace = replace  # type: ignore[assignment] - the child process only
    FeatureCache(directory).build(bars, features=FEATURES, registry=_registry(3))


@pytest.mark.parametrize("write", range(1, len(WRITES) + 1), ids=[f"before-{name}" for name in WRITES])
def test_a_kill_between_any_two_writes_resumes_to_identical_features(tmp_path: Path, bars: pd.DataFrame,
                                                                      write: int) -> None:
    """Issue 20: a kill after the last feature file and before keys.parquet broke every later build
    with FileNotFoundError until data/features was deleted. Now a kill before any write leaves files
    the next build reuses or recomputes, to the same values; only ``.*.tmp`` files (which
    `Workspace.remove_stale_temporaries` deletes) can be left over."""
    child = multiprocessing.get_context("fork").Process(target=_build_killed_at, args=(tmp_path, bars, write))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        resumed = FeatureCache(tmp_path).build(bars, features=FEATURES, registry=_registry(3))
    pd.testing.assert_frame_equal(resumed.frame, compute_features(bars, features=FEATURES, registry=_registry(3)),
                                  check_exact=True)
    assert FeatureCache(tmp_path).build(bars, features=FEATURES, registry=_registry(3)).hits == FEATURES
    names = [p.name for p in tmp_path.rglob("*") if p.is_file()]
    assert all(n.endswith((".parquet", ".parquet.sha256")) or (n.startswith(".") and n.endswith(".tmp"))
               for n in names)
