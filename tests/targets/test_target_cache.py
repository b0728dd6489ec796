"""The target cache: hits, misses, and what invalidates an entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from alphaforge.targets import TargetCache, build_targets, compute_targets, labelled_rows
from alphaforge.targets import cache as cache_module


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
    assert sorted(p.suffix for p in (tmp_path / "targets").iterdir()) == [".parquet", ".parquet"]


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
