"""`alphaforge run` end to end on a small synthetic workspace: every stage, the cached re-run,
kill-and-resume, predict and backtest on their own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from alphaforge.workspace import Workspace


@pytest.fixture(scope="module")
def synth_workspace(tmp_path_factory) -> Workspace:
    """3 planted-signal symbols x 600 daily bars; small folds so the whole run takes seconds."""
    root = tmp_path_factory.mktemp("run") / "ws"
    workspace = Workspace.create(root)
    text = workspace.config_path.read_text()
    for old, new in (('dataset = "sp500"', 'dataset = "synth"'), ('macro = "macro"', 'macro = ""'),
                     ('target = "fwd_ret_5"', 'target = "fwd_ret_1"'), ("n_splits = 5", "n_splits = 3"),
                     ('include = ["default"]', 'include = ["px", "ta_rsi_14", "cal"]')):
        assert old in text, old
        text = text.replace(old, new)
    workspace.config_path.write_text(text)
    _alphaforge(root, "data", "synth", "--symbols", "3", "--bars", "600", "--freq", "1d", "--mode", "planted")
    return workspace


def _alphaforge(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "alphaforge", "--workspace", str(root), *args], capture_output=True,
                          text=True, check=check, env=env, timeout=600)


def _statuses(stdout: str) -> dict[str, str]:
    return {row["stage"]: row["status"] for row in json.loads(stdout)["stages"]}


@pytest.mark.slow
def test_run_then_cached_rerun(synth_workspace):
    root = synth_workspace.root
    first = _alphaforge(root, "run", "--no-track", "--json")
    statuses = _statuses(first.stdout)
    assert statuses == dict.fromkeys(["features", "leakage_check", "walk_forward", "train", "predict", "backtest",
                                      "report"], "ran")
    payload = json.loads(first.stdout)
    assert len(payload["summaries"]["walk_forward"]["folds"]) == 3
    assert (root / "reports" / "report.html").is_file() and (root / "predictions" / "latest.png").is_file()
    assert payload["summaries"]["backtest"]["metrics"]["bars"] > 0
    for work in ("look-ahead check: feature computations: 5/5", "walk-forward folds: 3/3", "backtest steps: 4/4"):
        assert work in first.stderr  # the long stages say how far they are (--json keeps stdout to the object)
    second = _alphaforge(root, "run", "--no-track", "--json")
    assert set(_statuses(second.stdout).values()) == {"cached"}


@pytest.mark.slow
def test_the_run_report_renders_in_a_browser(synth_workspace):
    from tests.report.browser import render

    _alphaforge(synth_workspace.root, "run", "--no-track", "--json")
    seen = render(synth_workspace.root / "reports" / "report.html")
    assert seen["images"] >= 4 and seen["decoded"] == seen["images"]  # importance, diagnostics, prediction, equity
    assert seen["tables"] >= 6 and seen["rows"] > 20
    assert "Backtest (walk-forward predictions only) against the benchmark" in seen["headings"]
    assert "How much of the Sharpe ratio is luck" in seen["headings"]


@pytest.mark.slow
def test_kill_mid_stage_then_resume(synth_workspace):
    root = synth_workspace.root
    _alphaforge(root, "run", "--no-track", "--json")
    config = synth_workspace.config_path
    config.write_text(config.read_text().replace("embargo = 0", "embargo = 1"))  # walk_forward must rerun
    manifest = root / "stages" / "walk_forward.json"
    before = manifest.read_text()
    process = subprocess.Popen([sys.executable, "-m", "alphaforge", "--workspace", str(root), "run", "--no-track"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any("walk_forward" in line for line in lines):
        time.sleep(0.02)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert any("walk_forward" in line for line in lines), lines
    assert manifest.read_text() == before  # the killed stage left no manifest for its new key
    resumed = _alphaforge(root, "run", "--no-track", "--json")
    statuses = _statuses(resumed.stdout)
    assert statuses["features"] == "cached" and statuses["walk_forward"] == "ran"
    assert not list(root.rglob("*.tmp")), "a temporary file was left behind"


@pytest.mark.slow
def test_predict_and_backtest_commands(synth_workspace):
    root = synth_workspace.root
    _alphaforge(root, "run", "--no-track", "--json")
    predicted = json.loads(_alphaforge(root, "predict", "--symbol", "SYN01", "--bars", "20", "--json").stdout)
    assert predicted["rows"] == 20 and {r["symbol"] for r in predicted["latest"]} == {"SYN01"}
    trend = json.loads(_alphaforge(root, "backtest", "--strategy", "trend_baseline", "--no-track", "--json").stdout)
    assert trend["strategy"] == "trend_baseline" and trend["benchmark_metrics"]["bars"] > 0
    refused = _alphaforge(root, "backtest", "--no-walk-forward", "--no-track", check=False)
    assert refused.returncode == 2 and "overlap" in refused.stderr.lower()


def test_only_a_stage_without_its_inputs_names_the_command(tmp_path):
    workspace = Workspace.create(tmp_path / "fresh")
    result = _alphaforge(workspace.root, "run", "--only", "backtest", "--no-track", check=False)
    assert result.returncode == 2 and "alphaforge run --only walk_forward" in result.stderr


@pytest.mark.slow
def test_live_prediction_features_equal_training_features(synth_workspace):
    """The product's promise: a feature value for (symbol, t) is bit-identical in training and live."""
    import numpy as np

    from alphaforge.models.registry import resolve_model
    from alphaforge.matrix import training_matrix
    from alphaforge.predict.live import predict_recent

    _alphaforge(synth_workspace.root, "run", "--no-track", "--json")
    config = synth_workspace.config()
    model = resolve_model(synth_workspace.root)
    matrix = training_matrix(synth_workspace, config, config.models.target)
    live = predict_recent(synth_workspace, model, symbols=["SYN02"], bars=30, config=config).frame
    rows = [(s, t) for s, t in zip(live["symbol"], live["timestamp"]) if (s, t) in matrix.X.index]
    assert len(rows) >= 25  # the last bar(s) have no label yet, so are not in the training table
    X = matrix.X.loc[rows]
    scores = model.model.predict(X)
    np.testing.assert_array_equal(scores, live.set_index(["symbol", "timestamp"]).loc[rows, "score"].to_numpy())
