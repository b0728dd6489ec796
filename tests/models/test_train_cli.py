"""`alphaforge train` and `alphaforge models` on a small synthetic workspace."""

from __future__ import annotations

import json

import pytest

SYNTH_CONFIG = '[data]\ndataset = "synth"\nmacro = ""\n'


@pytest.fixture
def synth(cli, tmp_path):
    """A workspace holding `data synth --symbols 3 --bars 800` (daily bars) as its dataset."""
    root = tmp_path / "ws"
    assert cli("init", root).code == 0
    assert cli("-w", root, "data", "synth", "--symbols", "3", "--bars", "800", "--freq", "1d").code == 0
    (root / "alphaforge.toml").write_text(SYNTH_CONFIG)
    return root


def _train(cli, root, *args):
    result = cli("-w", root, "train", "--no-track", "--json", *args)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_train_registers_best_and_final_models_deterministically(cli, synth):
    first = _train(cli, synth)
    assert (first["name"], first["version"], first["target"], first["task"]) == \
        ("fwd_ret_5-lightgbm", "v1", "fwd_ret_5", "regression")
    folder = synth / "models" / "fwd_ret_5-lightgbm" / "v1"
    assert {p.name for p in folder.iterdir()} == {"best", "final", "plots", "novelty", "config.json",
                                                  "training_results.json"}
    assert (folder / "final" / "booster.txt").read_text().startswith("tree")
    assert {p.name for p in (folder / "plots").iterdir()} == \
        {"feature_importance.png", "predicted_vs_actual.png", "residuals.png"}
    config = json.loads((folder / "config.json").read_text())
    assert config["symbols"] == ["SYN00", "SYN01", "SYN02"] and config["scope"] == "cross_sectional"
    assert len(config["features"]) == first["features"] and config["features"][0] == "xsr_ta_macd_line"
    assert config["panel"]["panel"] and config["panel"]["label_transform"] == "rank"
    assert config["target"] == {"name": "fwd_ret_5", "kind": "fwd_ret", "params": {"horizon": 5}}
    assert config["params"]["n_estimators"] == config["best_iteration"] == first["best_iteration"]
    assert {"lightgbm", "numpy", "pandas"} <= set(config["versions"])
    assert len(config["data_fingerprint"]) == 64 and len(config["feature_fingerprint"]) == 64
    assert config["training_range"]["start"] < config["training_range"]["validation_start"]

    second = _train(cli, synth)
    assert second["version"] == "v2" and second["metrics"] == first["metrics"]
    other = synth / "models" / "fwd_ret_5-lightgbm" / "v2"
    for name in ("final/booster.txt", "best/booster.txt", "training_results.json", "novelty/gate.json",
                 "novelty/reference.npy"):
        assert (other / name).read_bytes() == (folder / name).read_bytes()

    listed = json.loads(cli("-w", synth, "models", "list", "--json").stdout)["models"]
    assert [(m["name"], m["version"]) for m in listed] == [("fwd_ret_5-lightgbm", "v1"), ("fwd_ret_5-lightgbm", "v2")]
    shown = json.loads(cli("-w", synth, "models", "show", "fwd_ret_5-lightgbm/v1", "--json").stdout)
    assert shown["config"]["features"] == config["features"] and "roc.png" not in shown["plots"]
    assert "Trained" in cli("-w", synth, "train", "--no-track").stdout


def test_classification_with_a_best_config_file(cli, synth, tmp_path):
    best = tmp_path / "best_config.json"
    best.write_text(json.dumps({"family": "logistic", "params": {"C": 0.5}, "target": "binary_abs_5_0.0",
                                "features": ["px_ret_6", "px_ret_1", "ta_rsi_14"], "symbols": ["SYN00", "SYN01"],
                                "task": "binary", "score": 0.1}))
    result = _train(cli, synth, "--config", best, "--name", "clf")
    assert (result["family"], result["task"], result["symbols"]) == ("logistic", "binary", ["SYN00", "SYN01"])
    folder = synth / "models" / "clf" / "v1"
    config = json.loads((folder / "config.json").read_text())
    assert config["features"] == ["px_ret_6", "px_ret_1", "ta_rsi_14"]
    assert config["params"]["C"] == 0.5 and config["classes"] == [0.0, 1.0]
    assert {"roc.png", "calibration.png", "feature_importance.png"} <= {p.name for p in (folder / "plots").iterdir()}
    assert (folder / "final" / "estimator.skops").is_file()


def test_bad_inputs_are_exit_2_with_a_fix(cli, synth, tmp_path):
    result = cli("-w", synth, "train", "--no-track", "--family", "lightgmb")
    assert result.code == 2 and "did you mean 'lightgbm'" in result.stderr
    result = cli("-w", synth, "train", "--no-track", "--config", tmp_path / "absent.json")
    assert result.code == 2 and "alphaforge analyze" in result.stderr
    (tmp_path / "bad.json").write_text('{"params": [1, 2]}')
    assert cli("-w", synth, "train", "--no-track", "--config", tmp_path / "bad.json").code == 2
    assert cli("-w", synth, "train", "--no-track", "--target", "fwd_return_5").code == 2
    assert cli("-w", synth, "train", "--no-track", "--family", "logistic").code == 2  # regression target
    assert cli("-w", synth, "models", "show", "nothing").code == 2
    result = cli("-w", synth, "train", "--no-track", "--symbols", "SYN00,NOPE")
    assert result.code == 2 and "unknown symbol(s) ['NOPE']" in result.stderr


def test_a_config_file_without_training_settings_is_refused_and_trains_nothing(cli, synth, tmp_path):
    """Regression: ``{"config": {}}`` used to train the defaults as a new model version."""
    (tmp_path / "empty.json").write_text('{"config": {}}')
    result = cli("-w", synth, "train", "--no-track", "--config", tmp_path / "empty.json")
    assert result.code == 2 and "holds none of the training settings" in result.stderr
    assert not (synth / "models").exists() or not any((synth / "models").iterdir())


def test_train_without_data_names_the_command_to_run(cli, workspace):
    result = cli("-w", workspace.root, "train", "--no-track")
    assert result.code == 2 and "alphaforge data demo" in result.stderr


def test_train_with_a_plan_trains_only_the_jobs_of_the_symbols_given(cli, tmp_path):
    from tests.executors.plan_workspace import make_plan_workspace

    workspace = make_plan_workspace(tmp_path / "ws")
    report = _train(cli, workspace.root, "--symbols", "SYN01")
    assert [row["model"] for row in report["tasks"]] == ["cs_fwd_ret_1-ridge", "ss_fwd_ret_1_SYN01-ridge"]
    pooled = json.loads((workspace.root / report["tasks"][0]["path"] / "config.json").read_text())
    assert pooled["symbols"] == ["SYN01"]
    unknown = cli("-w", workspace.root, "train", "--no-track", "--symbols", "SYN07")
    assert unknown.code == 2 and "no job of the training plan trains symbol(s) SYN07" in unknown.stderr


def test_acceptance_criteria_are_reported_pass_or_fail(cli, synth):
    """Seed 002's 'Signal R² >= 70 %' as a configured criterion, beside one the model meets."""
    (synth / "alphaforge.toml").write_text(SYNTH_CONFIG + '[acceptance]\ncriteria = ["r2 ≥ 70 %", "rmse <= 1", '
                                                          '"auc >= 0.6"]\n')
    result = _train(cli, synth, "--family", "ridge")
    assert [(row["criterion"], row["passed"]) for row in result["acceptance"]] == [
        ("r2 ≥ 70 %", False), ("rmse <= 1", True), ("auc >= 0.6", None)]
    assert result["accepted"] is False and result["acceptance"][1]["value"] == result["metrics"]["validation"]["rmse"]
    shown = cli("-w", synth, "train", "--family", "ridge", "--no-track").stdout
    assert "Acceptance: r2 ≥ 70 % on the validation split" in shown and ": fail" in shown
    (synth / "alphaforge.toml").write_text(SYNTH_CONFIG + '[acceptance]\ncriteria = ["sharpe >= 1"]\n')
    refused = cli("-w", synth, "train", "--family", "ridge", "--no-track")
    assert refused.code == 2 and "sharpe" in refused.stderr and "[acceptance] criteria" in refused.stderr
    (synth / "alphaforge.toml").write_text(SYNTH_CONFIG + '[acceptance]\ncriteria = ["r2 is high"]\n')
    assert cli("-w", synth, "train", "--no-track").code == 2
    assert sorted(p.name for p in (synth / "models" / "fwd_ret_5-ridge").iterdir()) == ["v1", "v2"]  # none after


def test_long_work_reports_progress_on_stderr_unless_quiet(cli, synth):
    """Regression (issues 17, 19): `train` ran 21 minutes without printing a line."""
    loud = cli("-w", synth, "train", "--no-track", "--json")
    assert loud.code == 0 and "final model: rounds:" in loud.stderr
    json.loads(loud.stdout)  # stdout stays one JSON object
    quiet = cli("-q", "-w", synth, "train", "--no-track", "--json")
    assert quiet.code == 0 and "rounds:" not in quiet.stderr


def test_the_seeds_epochs_spelling_sets_the_families_rounds(cli, synth):
    """Seed 001 writes `train --epochs 300`; it means the family's rounds (epochs for the LSTM)."""
    result = cli("-w", synth, "train", "--no-track", "--epochs", "30", "--json")
    assert result.code == 0, result.stderr
    card = json.loads((synth / json.loads(result.stdout)["path"] / "config.json").read_text())
    assert card["best_iteration"] <= 30
    refused = cli("-w", synth, "train", "--no-track", "--family", "ridge", "--rounds", "30")
    assert refused.code == 2 and "trains no rounds or epochs" in refused.stderr
