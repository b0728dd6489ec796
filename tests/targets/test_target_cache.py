"""The target cache: hits, misses, and what invalidates an entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from alphaforge.targets import TargetCache, build_targets, compute_targets, labelled_rows
from alphaforge.targets import cache as cache_module
from alphaforge.workspace import CacheRepairWarning


@pytest.fixture
def bars(random_panel: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    return random_panel(60, symbols=("A", "B"))


def test_second_build_hits_and_returns_the_same_table(tmp_path: Path, bars: pd.DataFrame) -> None:
    cache = TargetCache(tmp_path / "targets")
    names = ["fwd_ret_3", "tb_3_1.0_1.0_all_sign_5"]
    first, report = build_targets(bars, names, data_sha256="abc", cache=cache)
    assert report.misses == names and report.hits == []
    second, report = build_targets(bars, names, data_sha256="abc", cache=cache)
    assert report.hits == names and report.misses == []
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(first, compute_targets(bars, names))
    assert sorted(p.suffix for p in (tmp_path / "targets").iterdir()) == [".parquet", ".parquet", ".sha256", ".sha256"]


def test_new_data_a_new_target_or_new_code_misses(tmp_path: Path, bars: pd.DataFrame,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cache = TargetCache(tmp_path)
    build_targets(bars, ["fwd_ret_3"], data_sha256="abc", cache=cache)
    assert build_targets(bars, ["fwd_ret_3"], data_sha256="def", cache=cache)[1].misses == ["fwd_ret_3"]
    assert build_targets(bars, ["fwd_ret_3", "fwd_ret_4"], data_sha256="abc", cache=cache)[1].misses == ["fwd_ret_4"]
    monkeypatch.setattr(cache_module, "code_version", lambda: "changed")
    assert build_targets(bars, ["fwd_ret_3"], data_sha256="abc", cache=cache)[1].misses == ["fwd_ret_3"]


def test_equivalent_names_share_an_entry(tmp_path: Path, bars: pd.DataFrame) -> None:
    cache = TargetCache(tmp_path)
    build_targets(bars, ["binary_abs_3_0.01"], data_sha256="abc", cache=cache)
    frame, report = build_targets(bars, ["binary_abs_3_0.010_close"], data_sha256="abc", cache=cache)
    assert report.hits == ["binary_abs_3_0.01"] and "binary_abs_3_0.01" in frame.columns


def test_labelled_rows_keep_only_rows_with_a_label(bars: pd.DataFrame) -> None:
    rows = labelled_rows(compute_targets(bars, ["fwd_ret_3"]), "fwd_ret_3")
    assert len(rows) == len(bars) - 2 * 3
    assert list(rows.columns) == ["symbol", "timestamp", "fwd_ret_3", "fwd_ret_3__t1"]


@pytest.mark.parametrize("how", ["negate", "truncate", "no-checksum"])
def test_a_changed_or_broken_entry_is_recomputed_with_a_notice(tmp_path: Path, bars: pd.DataFrame, how: str) -> None:
    """Issue 20: a target cache with negated labels was served as a hit; a truncated one raised
    ArrowInvalid. A file without its checksum (a kill between the two writes) is recomputed too."""
    cache = TargetCache(tmp_path)
    fresh, _ = build_targets(bars, ["fwd_ret_3"], data_sha256="abc", cache=cache)
    path = next(tmp_path.glob("*.parquet"))
    if how == "negate":
        frame = pd.read_parquet(path)
        frame["fwd_ret_3"] = -frame["fwd_ret_3"]
        frame.to_parquet(path, index=False)
    elif how == "truncate":
        path.write_bytes(path.read_bytes()[:100])
    else:
        path.with_name(path.name + ".sha256").unlink()
    with pytest.warns(CacheRepairWarning, match=path.name):
        again, report = build_targets(bars, ["fwd_ret_3"], data_sha256="abc", cache=cache)
    assert report.misses == ["fwd_ret_3"]
    pd.testing.assert_frame_equal(again, fresh)
    assert build_targets(bars, ["fwd_ret_3"], data_sha256="abc", cache=cache)[1].hits == ["fwd_ret_3"]
