"""`alphaforge predict` on a synthetic workspace: windows per symbol, files, titles."""

from __future__ import annotations

import json
import subprocess
import sys

from alphaforge.workspace import Workspace
from tests.predict.conftest import EARLY


def test_predict_a_symbol_whose_data_ends_early_in_a_fresh_process(trained_copy: Workspace) -> None:
    # the window used to be counted back from the dataset's end: no rows, then a matplotlib crash;
    # a fresh process (not the one that trained) must also resolve the model's derived xsr_ features
    result = subprocess.run([sys.executable, "-m", "alphaforge", "-w", str(trained_copy.root), "predict", "--symbol",
                             EARLY, "--bars", "20", "--json"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"] == 20 and [r["symbol"] for r in summary["latest"]] == [EARLY]
    assert (trained_copy.root / "predictions" / "latest" / f"{EARLY}.png").is_file()


def test_predict_writes_a_chart_per_symbol_and_says_which_files(cli, trained_copy: Workspace) -> None:
    result = cli("-w", trained_copy.root, "predict", "--bars", "30", "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    root = trained_copy.root / "predictions"
    charts = sorted(p.name for p in (root / "latest").iterdir())
    assert charts == ["SYN00.png", "SYN01.png", "SYN02.png", "SYN03.png"]
    assert {str(root / "latest.png"), *(str(root / "latest" / c) for c in charts)} <= set(summary["files"])
    assert summary["written"] == ["predictions/latest.parquet, predictions/latest.csv (120 rows)",
                                  "predictions/latest.png (overview)", "predictions/latest/ (4 symbol charts)"]
    assert summary["title"] == "fwd_ret_1-lightgbm v1, target fwd_ret_1" and summary["rule"] == "quantile"
    shown = cli("-w", trained_copy.root, "predict", "--bars", "30")
    assert "Written:\n  predictions/latest.parquet" in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
