"""The whole holdout cycle through the CLI on the bundled data: create → preserve → remove →
train → predict → evaluate → restore, and the model trained meanwhile never saw the holdout."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from alphaforge.store.db import connect
from alphaforge.store.matrix import read_training_matrix
from alphaforge.store.setups import read_setup_file
from alphaforge.workspace import Workspace
from tests.store.conftest import configure


def _ok(result):
    assert result.code == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.startswith("{") else result.stdout


def _training(workspace: Workspace) -> pd.DataFrame:
    with connect(workspace) as connection:
        return connection.execute("SELECT * FROM training ORDER BY setup_id").df()


@pytest.mark.slow
def test_holdout_cycle_end_to_end(cli, tmp_path: Path):
    root = tmp_path / "ws"
    _ok(cli("init", root))
    workspace = Workspace(root)
    _ok(cli("-w", root, "data", "demo", "--json"))
    configure(workspace, ["AAPL", "JPM", "XOM"], "2016-01-01")
    _ok(cli("-w", root, "features", "build", "--json"))
    _ok(cli("-w", root, "targets", "build", "fwd_ret_5", "binary_abs_5_0.02", "--json"))
    filled = _ok(cli("-w", root, "store", "fill", "--targets", "fwd_ret_5,binary_abs_5_0.02", "--json"))
    before = _training(workspace)
    assert filled["training_rows"] == len(before)

    setups = tmp_path / "holdout.txt"
    created = _ok(cli("-w", root, "holdout", "create", "--count", "100", "--seed", "11", "--output", setups, "--json"))
    assert created["count"] == 100 and len(read_setup_file(setups)) == 100
    held = set(read_setup_file(setups))
    preserved = _ok(cli("-w", root, "holdout", "preserve", "--setup-file", setups, "--json"))
    assert Path(preserved["preserved_file"]).parent == root / "holdouts"
    assert _ok(cli("-w", root, "holdout", "remove", "--setup-file", setups, "--json"))["removed"] == 100

    labelled = read_training_matrix(workspace, "fwd_ret_5")
    assert not held & set(labelled.setup_ids)
    for target in ("fwd_ret_5", "binary_abs_5_0.02"):
        trained = _ok(cli("-w", root, "train", "--target", target, "--no-track", "--json"))
        assert trained["rows"] == len(read_training_matrix(workspace, target).y)  # the store's rows, holdout out
        predicted = _ok(cli("-w", root, "predict", "--setup-file", setups, "--model-path", trained["path"], "--json"))
        assert predicted["count"] == 100 and predicted["target"] == target
    assert len(labelled.y) == (before["fwd_ret_5"].notna() & ~before["setup_id"].isin(held)).sum()

    scores = _ok(cli("-w", root, "holdout", "evaluate", "--json"))
    by_target = {row["target"]: row for row in scores["overall"]}
    assert set(by_target) == {"fwd_ret_5", "binary_abs_5_0.02"}
    assert by_target["fwd_ret_5"]["n"] == 100 and -1 <= by_target["fwd_ret_5"]["ic"] <= 1
    assert 0 <= by_target["binary_abs_5_0.02"]["accuracy"] <= 1 and "log_loss" in by_target["binary_abs_5_0.02"]
    domains = {(r["domain_kind"], group) for r in scores["by_domain"] for group in r["domain"].split(", ")}
    assert domains >= {("family", "lightgbm"), ("target", "fwd_ret_5"), ("feature_group", "px")}
    assert Path(scores["plot"]).is_file()
    only = _ok(cli("-w", root, "holdout", "evaluate", "--domain", "fwd_ret_5", "--json"))
    assert [row["target"] for row in only["overall"]] == ["fwd_ret_5"]
    unknown = cli("-w", root, "holdout", "evaluate", "--domain", "nope")
    assert unknown.code == 2 and "choose one of" in unknown.stderr

    restored = _ok(cli("-w", root, "holdout", "restore", "--preserved-file", preserved["preserved_file"], "--json"))
    assert restored["restored"] == 100
    pd.testing.assert_frame_equal(_training(workspace), before, check_exact=True)
    again = _ok(cli("-w", root, "holdout", "restore", "--preserved-file", preserved["preserved_file"], "--json"))
    assert again["restored"] == 0
