"""The tune/cv/analyze commands: prerequisites named, and the chain on a synthetic workspace."""

from __future__ import annotations

import json

import optuna
import pytest

from alphaforge.stages import run_stages
from alphaforge.tuning.stages import tuning_stages
from alphaforge.tuning.study import default_storage_url, open_storage


def test_cv_without_a_study_says_to_tune_first(cli, workspace):
    result = cli("-w", workspace.root, "cv")
    assert result.code == 2
    assert "alphaforge tune" in result.stderr


def test_analyze_without_a_study_says_to_tune_first(cli, workspace):
    result = cli("-w", workspace.root, "analyze", "--json")
    assert result.code == 2
    assert json.loads(result.stdout)["error"] == "MissingInputError"


def test_analyze_without_cv_results_says_to_run_cv_first(cli, workspace):
    name = "fwd_ret_5__lightgbm"
    optuna.create_study(study_name=name, storage=open_storage(default_storage_url(workspace, name)))
    result = cli("-w", workspace.root, "analyze")
    assert result.code == 2
    assert "alphaforge cv" in result.stderr


def test_an_unreachable_storage_is_a_usage_error(cli, workspace):
    result = cli("-w", workspace.root, "cv", "--storage", "nosuchdb://x")
    assert result.code == 2
    assert "--storage" in result.stderr


def test_the_stages_chain_tune_cv_analyze():
    stages = tuning_stages(requires=("features",))
    assert [(s.name, s.requires) for s in stages] == [("tune", ("features",)), ("cv", ("tune",)),
                                                      ("analyze", ("cv",))]


@pytest.mark.slow
def test_the_chain_runs_from_the_pipeline_on_a_synthetic_market(cli, workspace):
    assert cli("-w", workspace.root, "data", "synth", "--symbols", "3", "--bars", "400", "--name", "synth").code == 0
    config = workspace.config_path.read_text().replace('dataset = "sp500"', 'dataset = "synth"')
    config = config.replace('macro = "macro"', 'macro = ""').replace('family = "lightgbm"\n# target the models',
                                                                     'family = "ridge"\n# target the models')
    for key, value in (("random_trials", 3), ("bayes_trials", 2), ("fine_trials", 2), ("cv_splits", 4)):
        config = config.replace(f"\n{key} = ", f"\n{key} = {value}\n#{key} = ")
    workspace.config_path.write_text(config)
    outcomes = run_stages(workspace, workspace.config(), tuning_stages())
    assert [o.status for o in outcomes] == ["ran", "ran", "ran"]
    best = json.loads((workspace.root / "analysis" / "best_config.json").read_text())
    assert best["family"] == "ridge" and best["provenance"]["study"] == "fwd_ret_5__ridge"
    again = run_stages(workspace, workspace.config(), tuning_stages())
    assert [o.status for o in again] == ["cached", "cached", "cached"]


def test_an_unknown_pruner_is_refused_before_the_study_is_created(cli, workspace, snapshot):
    """Issue 20: `tune --pruner banana` was refused only after it had created tuning/<study>/study.db."""
    assert cli("-w", workspace.root, "data", "synth", "--symbols", "2", "--bars", "400").code == 0
    text = workspace.config_path.read_text().replace('dataset = "sp500"', 'dataset = "synth"')
    workspace.config_path.write_text(text.replace('macro = "macro"', 'macro = ""'))
    before = snapshot(workspace.root)
    result = cli("-w", workspace.root, "tune", "--pruner", "banana", "--trials", "4", "--no-track")
    assert result.code == 2 and "unknown pruner 'banana'" in result.stderr
    assert snapshot(workspace.root) == before and not (workspace.root / "tuning").exists()
