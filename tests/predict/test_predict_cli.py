"""`alphaforge predict` on a synthetic workspace: windows per symbol, files, titles."""

from __future__ import annotations

import json
import subprocess
import sys

from alphaforge.workspace import Workspace
from tests.predict.conftest import EARLY, wait_for_charts


def test_predict_a_symbol_whose_data_ends_early_in_a_fresh_process(trained_copy: Workspace) -> None:
    # the window used to be counted back from the dataset's end: no rows, then a matplotlib crash;
    # a fresh process (not the one that trained) must also resolve the model's derived xsr_ features
    result = subprocess.run([sys.executable, "-m", "alphaforge", "-w", str(trained_copy.root), "predict", "--symbol",
                             EARLY, "--bars", "20", "--json"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"] == 20 and [r["symbol"] for r in summary["latest"]] == [EARLY]
    wait_for_charts(trained_copy.root / "predictions" / "latest")
    assert (trained_copy.root / "predictions" / "latest" / f"{EARLY}.png").is_file()


def test_predict_answers_without_matplotlib_or_the_lightgbm_package(trained_copy: Workspace) -> None:
    # issue 17: importing lightgbm (scikit-learn, SciPy) and matplotlib was 2 s of a 3 s predict
    code = ("import json, sys\nfrom alphaforge.cli import main\n"
            "sys.argv = ['alphaforge', '-w', sys.argv[1], 'predict', '--symbol', 'SYN01', '--bars', '20', '--json']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = {m.split('.')[0] for m in sys.modules} & {'lightgbm', 'sklearn', 'scipy', 'matplotlib'}\n"
            "import pyarrow\nprint(json.dumps([*sorted(heavy), pyarrow.default_memory_pool().backend_name]))")
    result = subprocess.run([sys.executable, "-c", code, str(trained_copy.root)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    summary, heavy = map(json.loads, result.stdout.splitlines()[-2:])
    assert heavy == ["system"] and summary["rows"] == 20  # and Arrow's pool hands freed memory back
    wait_for_charts(trained_copy.root / "predictions" / "latest")
    assert [p for p in summary["charts"] if not (trained_copy.root / p).is_file()] == []


def test_predict_writes_a_chart_per_symbol_and_says_which_files(cli, trained_copy: Workspace) -> None:
    result = cli("-w", trained_copy.root, "predict", "--bars", "30", "--chart", "wait", "--json")
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
    wait_for_charts(root / "latest")


def test_background_charts_appear_after_the_answer_and_equal_charts_drawn_in_line(cli, trained_copy: Workspace):
    root = trained_copy.root / "predictions"
    waited = json.loads(cli("-w", trained_copy.root, "predict", "--bars", "30", "--chart", "wait", "--json").stdout)
    drawn = {path: (trained_copy.root / path).read_bytes() for path in waited["charts"]}
    result = cli("-w", trained_copy.root, "predict", "--bars", "30", "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["chart"] == "background" and summary["charts"] == waited["charts"]
    assert summary["files"] == [str(root / "latest.parquet"), str(root / "latest.csv")]
    assert summary["written"][1:] == ["predictions/latest.png (overview), being drawn in the background",
                                      "predictions/latest/ (4 symbol charts), being drawn in the background"]
    assert not (root / "latest.png").exists()  # the last prediction's charts are taken down at once
    wait_for_charts(root / "latest")
    assert {path: (trained_copy.root / path).read_bytes() for path in summary["charts"]} == drawn


def test_no_chart_takes_the_last_charts_down(cli, trained_copy: Workspace) -> None:
    root = trained_copy.root / "predictions"
    assert cli("-w", trained_copy.root, "predict", "--bars", "30", "--chart", "wait").code == 0
    summary = json.loads(cli("-w", trained_copy.root, "predict", "--bars", "30", "--chart", "none", "--json").stdout)
    assert summary["charts"] == [] and len(summary["written"]) == 1
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == ["latest.csv", "latest.parquet"]
    refused = cli("-w", trained_copy.root, "predict", "--chart", "backgrund")
    assert refused.code == 2 and "did you mean 'background'" in refused.stderr
