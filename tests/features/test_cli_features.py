"""`alphaforge features list|build` and `alphaforge check leakage`, on bundled data in a fresh workspace."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from alphaforge.cli import check as check_cli
from alphaforge.cli import features as features_cli
from alphaforge.data.datasets import import_bundled
from alphaforge.features import REGISTRY
from alphaforge.workspace import Workspace

root = typer.Typer()
root.add_typer(features_cli.app, name="features")
root.add_typer(check_cli.app, name="check")


@pytest.fixture
def run(workspace: Workspace, monkeypatch: pytest.MonkeyPatch):
    """Run a features/check command in a workspace holding the bundled sp500 (close only) and macro sets."""
    import_bundled(workspace, "sp500")
    import_bundled(workspace, "macro")
    monkeypatch.chdir(workspace.root)
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(root, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout

    return invoke


def test_list_json_shows_every_feature(run) -> None:
    code, out = run("features", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and listed["count"] == len(REGISTRY)
    rsi = next(f for f in listed["features"] if f["name"] == "ta_rsi_14")
    assert rsi["group"] == "ta" and rsi["inputs"] == ["close"] and rsi["params"] == {"window": 14}


def test_list_filters_by_spec(run) -> None:
    code, out = run("features", "list", "cal", "--json")
    assert code == 0 and [f["name"] for f in json.loads(out)["features"]] == [
        "cal_hour_sin", "cal_hour_cos", "cal_dow_sin", "cal_dow_cos"]


def test_build_twice_is_a_cache_hit(run, workspace: Workspace) -> None:
    code, out = run("features", "build", "--json")
    first = json.loads(out)
    assert code == 0 and first["computed"] and not first["hits"]
    assert any("skipped" in notice and "ta_adx_14" in notice for notice in first["notices"])  # close-only data
    assert any(key.startswith("macro_level") for key in first["computed"])
    code, out = run("features", "build", "--json")
    second = json.loads(out)
    assert code == 0 and second["hits"] == first["computed"] and not second["computed"]
    assert list(workspace.features_dir.rglob("*.parquet"))


def test_check_leakage_reports_per_feature(run) -> None:
    code, out = run("check", "leakage", "--features", "px_ret_1,px_drawdown_72,macro_z_168", "--cuts", "2",
                    "--json")
    report = json.loads(out)
    assert code == 0 and report["passed"] and report["failed"] == []
    columns = {r["column"] for r in report["features"]}
    assert {"px_ret_1", "px_drawdown_72"} <= columns and any(c.startswith("macro_z_168_") for c in columns)
    assert all(r["checked"] > 0 for r in report["features"])


def test_check_leakage_shows_its_progress_on_stderr(run) -> None:
    """The check recomputes the features 1 + 2 x cuts times (11 s at 1 M rows): it says how far it is."""
    result = CliRunner().invoke(root, ["check", "leakage", "--features", "px_ret_1", "--cuts", "2", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0 and json.loads(result.stdout)["passed"]
    assert "look-ahead check: feature computations: 5/5" in result.stderr


def test_fracdiff_reports_the_minimum_order_per_symbol(run, workspace: Workspace) -> None:
    from alphaforge.data.datasets import load_bars
    from alphaforge.features import minimum_ffd_order

    code, out = run("features", "fracdiff", "--symbols", "AAPL,MSFT", "--json")
    report = json.loads(out)
    assert code == 0 and [row["symbol"] for row in report["symbols"]] == ["AAPL", "MSFT"]
    bars = load_bars(workspace, symbols=["AAPL"])
    expected = minimum_ffd_order(bars["close"].to_numpy())
    aapl = report["symbols"][0]
    assert aapl["d"] == expected.d and aapl["bars"] == len(bars) and len(aapl["tests"]) == 11
    assert aapl["feature"] is None or aapl["feature"].startswith("px_ffd_d")
    code, out = run("features", "fracdiff", "--symbols", "AAPL")
    assert code == 0 and "AAPL" in out and "min d" in out


def test_check_leakage_calls_unverifiable_columns_unverifiable_not_leaking(run) -> None:
    """On one symbol a cross-sectional rank has nothing to compare: no value to check is no leak."""
    code, out = run("check", "leakage", "--symbols", "AAPL", "--features", "px_ret_1,xs_rank_ret_1", "--cuts", "1",
                    "--json")
    report = json.loads(out)
    assert code == 0 and report["passed"] and report["failed"] == []
    assert report["unverifiable"] == ["xs_rank_ret_1"]
    assert {r["column"]: r["status"] for r in report["features"]} == {"px_ret_1": "passed",
                                                                       "xs_rank_ret_1": "unverifiable"}
    code, out = run("check", "leakage", "--symbols", "AAPL", "--features", "xs_rank_ret_1", "--cuts", "1")
    assert code == 0 and "1 unverifiable" in out


def test_a_damaged_feature_file_is_rebuilt_with_a_notice_and_bad_since_values_are_refused(workspace, cli,
                                                                                           snapshot) -> None:
    """Issue 20, through the command: a changed cached file is recomputed (the notice says which);
    `--since garbage` and a `--since` after the data exit 2 and write nothing."""
    import_bundled(workspace, "sp500")
    import_bundled(workspace, "macro")
    text = workspace.config_path.read_text().replace("symbols = []", 'symbols = ["AAPL", "KO"]')
    workspace.config_path.write_text(text.replace('start = ""', 'start = "2016-01-01"'))
    assert cli("-w", workspace.root, "features", "build", "--features", "px_ret_1,px_ret_6").code == 0
    path = next(workspace.features_dir.rglob("px_ret_6-*.parquet"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2:len(data) // 2 + 64] = bytes(b ^ 0x5A for b in data[len(data) // 2:len(data) // 2 + 64])
    path.write_bytes(bytes(data))
    again = cli("-w", workspace.root, "features", "build", "--features", "px_ret_1,px_ret_6", "--json")
    assert again.code == 0 and json.loads(again.stdout)["computed"] == ["px_ret_6"]
    assert any("does not match its recorded sha256" in line for line in json.loads(again.stdout)["notices"])
    before = snapshot(workspace.root)
    for since, message in (("garbage", "is not a date"), ("2099-01-01", "no bars to compute features")):
        refused = cli("-w", workspace.root, "features", "build", "--features", "px_ret_1", "--since", since)
        assert refused.code == 2 and message in refused.stderr, refused.stderr
    assert snapshot(workspace.root) == before
