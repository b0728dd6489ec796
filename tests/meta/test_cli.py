"""The meta workflow through the CLI on a small synthetic workspace: dataset, training,
backtest with the meta-model (side by side, HTML report), and the clear errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from alphaforge.data.datasets import synthesize
from alphaforge.workspace import Workspace


@pytest.fixture(scope="module")
def meta_workspace(tmp_path_factory) -> Workspace:
    """10 random-walk symbols x 1200 daily bars, a small feature set, 3 folds."""
    workspace = Workspace.create(tmp_path_factory.mktemp("meta") / "ws")
    text = workspace.config_path.read_text()
    for old, new in (('dataset = "sp500"', 'dataset = "synth"'), ('macro = "macro"', 'macro = ""'),
                     ("n_splits = 5", "n_splits = 3"), ('include = ["default"]', 'include = ["px", "ta_rsi_14"]')):
        assert old in text, old
        text = text.replace(old, new)
    workspace.config_path.write_text(text)
    synthesize(workspace, symbols=10, bars=1200, freq="1d", mode="random_walk", seed=2)
    return workspace


def test_build_train_and_backtest_with_the_meta_model(meta_workspace, cli):
    root = str(meta_workspace.root)
    built = cli("-w", root, "meta", "build-dataset", "--strategy", "trend_baseline", "--freq", "1d",
                "--success-threshold", "0.0", "--format", "csv", "--json")
    assert built.code == 0, built.stderr
    summary = json.loads(built.stdout)
    dataset = pd.read_csv(meta_workspace.root / summary["path"])
    assert summary["path"].endswith("meta/datasets/trend_baseline_1d.csv") and len(dataset) == summary["rows"] > 50
    assert {"label", "realized_return", "entry_price", "exit_price", "horizon_bars", "t1", "px_ret_1"} <= set(
        dataset.columns)

    trained = cli("-w", root, "meta", "train", "--dataset-path", str(meta_workspace.root / summary["path"]),
                  "--model-type", "logistic", "--calibration", "isotonic", "--json")
    assert trained.code == 0, trained.stderr
    model = json.loads(trained.stdout)
    assert {"roc_auc", "brier_score", "log_loss", "pr_auc"} <= set(model["metrics"]) and len(model["folds"]) == 3
    assert model["path"].endswith("models/meta/trend_baseline/v1")
    assert (meta_workspace.root / model["calibration_plot"]).is_file()

    backtest = cli("-w", root, "backtest", "--strategy", "trend_baseline", "--use-meta-model", "--meta-ensemble-mode",
                   "filter", "--meta-min-confidence", "0.5", "--generate-report", "--no-track", "--json")
    assert backtest.code == 0, backtest.stderr
    result = json.loads(backtest.stdout)
    assert [row["metric"] for row in result["comparison"]][:3] == ["total_return", "annual_return", "sharpe"]
    assert result["signals"]["scored"] > 0 and result["meta_model"] == model["path"]
    report = (meta_workspace.root / result["report"]).read_text()
    assert "Backtest metrics" in report and report.count("data:image/png;base64") == 2
    for side in ("base", "meta"):
        assert (meta_workspace.root / result["directory"] / side / "equity.parquet").is_file()


@pytest.mark.slow
def test_tracked_training_on_the_fly_and_the_size_mode(meta_workspace, cli):
    root = str(meta_workspace.root)
    trained = cli("-w", root, "meta", "train", "--strategy", "trend_baseline", "--freq", "1d", "--success-threshold",
                  "0.0", "--track-experiment", "--experiment-name", "meta_test", "--experiment-tags",
                  "meta,trend,team=research", "--output-model-path", str(meta_workspace.root / "my_meta"), "--json")
    assert trained.code == 0, trained.stderr
    assert json.loads(trained.stdout)["run_id"]
    sized = cli("-w", root, "backtest", "--strategy", "trend_baseline", "--use-meta-model", "--meta-model-path",
                str(meta_workspace.root / "my_meta"), "--meta-ensemble-mode", "size", "--no-track")
    assert sized.code == 0 and "base vs meta (size" in " ".join(sized.stdout.split())  # the title may fold


@pytest.mark.parametrize(("args", "message"), [
    (["--symbols", "NOPE"], "unknown symbol"),
    (["--start-date", "2099-01-01"], "no labelled trend_baseline signals"),
    (["--freq", "1h"], "not 1h"),
    (["--label-type", "binary"], "unknown label type"),
])
def test_build_dataset_errors_are_clear(meta_workspace, cli, args, message):
    result = cli("-w", str(meta_workspace.root), "meta", "build-dataset", "--strategy", "trend_baseline",
                 "--freq", "1d", *args)
    assert result.code == 2 and message in result.stderr
    assert not (meta_workspace.root / "meta" / "datasets" / "trend_baseline_1d.parquet").exists()


def test_backtest_without_a_meta_model_says_which_command_to_run(meta_workspace, cli):
    result = cli("-w", str(meta_workspace.root), "backtest", "--strategy", "mean_reversion", "--use-meta-model",
                 "--no-track")
    assert result.code == 2 and "meta train --strategy mean_reversion" in result.stderr


def test_a_universe_file_selects_the_symbols(meta_workspace, cli, tmp_path):
    universe = tmp_path / "universe.txt"
    universe.write_text("# two symbols\nSYN01\nSYN03, SYN99\n")
    result = cli("-w", str(meta_workspace.root), "meta", "build-dataset", "--strategy", "trend_baseline", "--freq",
                 "1d", "--universe", str(universe), "--output-path", str(tmp_path / "d.parquet"))
    assert result.code == 2 and "SYN99" in result.stderr and not (tmp_path / "d.parquet").exists()
    universe.write_text("SYN01\nSYN03\n")
    result = cli("-w", str(meta_workspace.root), "meta", "build-dataset", "--strategy", "trend_baseline", "--freq",
                 "1d", "--universe", str(universe), "--output-path", str(tmp_path / "d.parquet"), "--json")
    assert result.code == 0, result.stderr
    assert set(pd.read_parquet(tmp_path / "d.parquet")["symbol"]) == {"SYN01", "SYN03"}


def test_the_seed_workflow_runs_as_written(meta_workspace, cli, monkeypatch):
    """Seed 003's end-to-end example (section 6.1) and its symbols example (2.4), spelled as there:
    space-separated --symbols, --track-experiment, bare-word tags, a .joblib model path."""
    monkeypatch.chdir(meta_workspace.root)
    root = str(meta_workspace.root)
    built = cli("-w", root, "meta", "build-dataset", "--strategy", "trend_baseline", "--freq", "1d",
                "--symbols", "SYN01", "SYN03", "SYN05", "--start-date", "2020-01-01", "--end-date", "2023-12-31",
                "--output-path", "output/ml_datasets/three.parquet", "--json")
    assert built.code == 0, built.stderr
    assert set(pd.read_parquet("output/ml_datasets/three.parquet")["symbol"]) == {"SYN01", "SYN03", "SYN05"}
    built = cli("-w", root, "meta", "build-dataset", "--strategy", "trend_baseline", "--freq", "1d",
                "--start-date", "2020-01-01", "--end-date", "2023-12-31",
                "--output-path", "output/ml_datasets/trend_baseline_1d.parquet")
    assert built.code == 0, built.stderr
    trained = cli("-w", root, "meta", "train", "--dataset-path", "output/ml_datasets/trend_baseline_1d.parquet",
                  "--model-type", "gradient_boosting", "--output-model-path",
                  "models/meta/trend_baseline_meta_model.joblib", "--track-experiment", "--experiment-name",
                  "meta_trend_gb_v1", "--experiment-tags", "meta,trend,gb", "--json")
    assert trained.code == 0, trained.stderr
    model = json.loads(trained.stdout)
    assert model["path"] == "models/meta/trend_baseline_meta_model" and model["run_id"]
    assert any("not a pickle" in line for line in model["notices"])
    tags = json.loads(cli("-w", root, "experiments", "show", model["run_id"], "--json").stdout)["tags"]
    assert {tags.get(word) for word in ("meta", "trend", "gb")} == {"true"}
    backtest = cli("-w", root, "backtest", "--freq", "1d", "--strategy", "trend_baseline", "--use-meta-model",
                   "--meta-model-path", "models/meta/trend_baseline_meta_model.joblib", "--meta-ensemble-mode",
                   "filter", "--meta-min-confidence", "0.5", "--generate-report", "--track-experiment",
                   "--experiment-name", "trend_meta_filter_0.5", "--experiment-tags", "trend,meta,filter", "--json")
    assert backtest.code == 0, backtest.stderr
    result = json.loads(backtest.stdout)
    assert result["meta_model"].endswith("models/meta/trend_baseline_meta_model") and result["run_id"]
    wrong = cli("-w", root, "backtest", "--freq", "1h", "--strategy", "trend_baseline", "--no-track")
    assert wrong.code == 2 and "not 1h" in wrong.stderr
