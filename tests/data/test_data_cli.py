"""`alphaforge data demo|synth|list|show` end to end on a fresh workspace."""

from __future__ import annotations

import json

import pandas as pd

from alphaforge.data.datasets import load_aligned_macro, load_bars


def test_demo_imports_bundled_sets_and_is_idempotent(workspace, cli, snapshot):
    first = cli("-w", workspace.root, "data", "demo", "--json")
    assert first.code == 0, first.stderr
    payload = json.loads(first.stdout)
    assert {r["dataset"] for r in payload["imported"]} == {"sp500", "macro"}
    assert all(r["created"] for r in payload["imported"])
    aapl = next(s for s in payload["summaries"]["sp500"] if s["symbol"] == "AAPL")
    assert aapl["rows"] == 8313 and aapl["interval"] == "1d"
    before = snapshot(workspace.root)
    again = json.loads(cli("-w", workspace.root, "data", "demo", "--json").stdout)
    assert not any(r["created"] for r in again["imported"])
    assert snapshot(workspace.root) == before


def test_list_and_show(workspace, cli):
    cli("-w", workspace.root, "data", "demo", "us_ohlcv")
    listed = json.loads(cli("-w", workspace.root, "data", "list", "--json").stdout)
    assert [d["dataset"] for d in listed["datasets"]] == ["us_ohlcv"]
    shown = json.loads(cli("-w", workspace.root, "data", "show", "MSFT", "--json").stdout)
    assert shown["rows"] == 7983 and shown["missing_values"]["volume"] == 0
    human = cli("-w", workspace.root, "data", "show", "MSFT")
    assert human.code == 0 and "Largest gaps" in human.stdout
    assert cli("-w", workspace.root, "data", "show", "NOPE").code == 2


def test_synth_modes_and_planted_description(workspace, cli):
    result = cli("-w", workspace.root, "data", "synth", "--symbols", "3", "--bars", "500", "--mode", "planted",
                 "--json")
    assert result.code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["rows"] == 1500 and payload["planted"]["feature"] == "px_ret_5"
    assert cli("-w", workspace.root, "data", "synth", "--bars", "500", "--mode", "walk").code == 2


def test_pipeline_loaders_respect_config_and_publication_lags(workspace, cli):
    cli("-w", workspace.root, "data", "demo")
    text = workspace.config_path.read_text().replace('symbols = []', 'symbols = ["AAPL", "KO"]')
    workspace.config_path.write_text(text.replace('start = ""', 'start = "2015-01-01"'))
    bars = load_bars(workspace)
    assert sorted(bars["symbol"].unique()) == ["AAPL", "KO"]
    assert bars["timestamp"].min() >= pd.Timestamp("2015-01-01", tz="UTC")
    macro = load_aligned_macro(workspace, bars)
    assert macro is not None and len(macro) == len(bars)
    # the bundled VIX ends on 2019-01-03 (published a day later): missing once stale, never extrapolated
    late = bars["timestamp"] > pd.Timestamp("2019-02-01", tz="UTC")
    assert macro.loc[late, "vix"].isna().all() and macro.loc[~late, "vix"].notna().mean() > 0.95


def test_synth_says_how_to_use_the_new_dataset_and_use_points_the_config_at_it(workspace, cli):
    root = workspace.root
    made = cli("-w", root, "data", "synth", "--symbols", "2", "--bars", "50", "--name", "X")
    assert made.code == 0 and "--use" in made.stderr and '[data] dataset = "X"' in made.stderr
    assert workspace.config().data.dataset == "sp500"
    missing = cli("-w", root, "features", "build")
    assert missing.code == 2 and '[data] dataset = "X"' in missing.stderr  # the error names the one there is
    used = cli("-w", root, "data", "synth", "--symbols", "2", "--bars", "50", "--name", "X", "--use", "--json")
    now = 'the pipeline now reads [data] dataset = "X" (alphaforge.toml)'
    assert used.code == 0 and json.loads(used.stdout)["notices"] == [now]
    assert workspace.config().data.dataset == "X"
    assert "# raw dataset" in workspace.config_path.read_text()  # the file's comments are kept
