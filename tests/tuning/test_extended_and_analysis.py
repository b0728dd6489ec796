"""Extended CV re-scores the top configurations; analysis picks one by the documented rule."""

from __future__ import annotations

import json

import optuna
import pytest

from alphaforge.config import Config
from alphaforge.artifacts import BestConfig, ExtendedResults
from alphaforge.errors import InputError, MissingInputError
from alphaforge.models.registry import CV_BEST_MODEL
from alphaforge.tuning import tune
from alphaforge.tuning.analysis import (
    BEST_CONFIG,
    analyze,
    rank_configs,
    read_extended_results,
)
from alphaforge.tuning.extended import ExtendedSettings, extended_cv, with_iterations
from alphaforge.tuning.phases import best_trials
from tests.tuning.synthetic import fast_settings, synthetic_data


def _extended(**overrides):
    """Extended-CV settings: the config's defaults with ``overrides``."""
    return ExtendedSettings.from_config(Config(), **overrides)

def _study(workspace, data, **overrides):
    result = tune(workspace, data, fast_settings(**overrides))
    return optuna.load_study(study_name=result.study, storage=result.storage), result.storage


@pytest.mark.parametrize(("scheme", "n_splits", "n_folds"), [("walk-forward", 5, 5), ("cpcv", 5, 10)])
def test_extended_cv_rescores_the_top_configurations(workspace, data, scheme, n_splits, n_folds):
    study, _ = _study(workspace, data, checkpoints=0)
    result = extended_cv(workspace, study, data, _extended(top_n=2, scheme=scheme, n_splits=n_splits, embargo=1))
    assert [c["trial"] for c in result["configs"]] == [t.number for t in best_trials(study, 2)]
    written = json.loads((workspace.root / "cv" / "extended_training_results.json").read_text())
    assert written == json.loads(json.dumps({"schema": ExtendedResults.schema_id(), **result}))
    for config in result["configs"]:
        assert len(config["fold_scores"]) == n_folds == result["n_folds"]
        assert config["mean"] == pytest.approx(sum(config["fold_scores"]) / n_folds)
        assert config["std"] >= 0 and config["training_seconds"] > 0 and "oos_returns" not in config
    assert (workspace.root / CV_BEST_MODEL / "model.json").is_file()


def test_rounds_or_epochs_replace_the_trials_own_count():
    assert with_iterations("lightgbm", {"n_estimators": 50, "num_leaves": 7}, 400) == {"n_estimators": 400,
                                                                                        "num_leaves": 7}
    assert with_iterations("lightgbm", {"n_estimators": 50}, 0) == {"n_estimators": 50}
    assert with_iterations("ridge", {"alpha": 1.0}, 400) == {"alpha": 1.0}


def test_extended_cv_refuses_other_data_than_the_study_was_tuned_on(workspace, data):
    study, _ = _study(workspace, data, checkpoints=0, random_trials=2, bayes_trials=0, fine_trials=0)
    with pytest.raises(InputError, match="data changed"):
        extended_cv(workspace, study, synthetic_data(seed=5), _extended(n_splits=4, embargo=1))


def test_ranking_prefers_the_best_mean_then_the_smaller_std_then_the_lower_trial():
    configs = [{"trial": 3, "mean": 0.2, "std": 0.1}, {"trial": 1, "mean": 0.2, "std": 0.1},
               {"trial": 2, "mean": 0.2, "std": 0.05}, {"trial": 4, "mean": 0.3, "std": 0.5}]
    assert [c["trial"] for c in rank_configs(configs, "maximize")] == [4, 2, 1, 3]
    assert [c["trial"] for c in rank_configs(configs, "minimize")] == [2, 1, 3, 4]


def test_analysis_writes_the_best_config_with_provenance_and_a_deflated_sharpe(workspace, data):
    study, url = _study(workspace, data, metric="sharpe", checkpoints=0)
    extended = extended_cv(workspace, study, data, _extended(top_n=3, n_splits=4, embargo=1))
    best = analyze(workspace, study, url)
    written = json.loads((workspace.root / "analysis" / BEST_CONFIG).read_text())
    assert written == json.loads(json.dumps({"schema": BestConfig.schema_id(), **best}))
    chosen = rank_configs(extended["configs"], "maximize")[0]
    assert best["params"] == chosen["params"] and best["provenance"]["trial"] == chosen["trial"]
    assert best["family"] == "ridge" and best["target"] == "fwd_ret_2" and best["features"] == ["a", "b", "c"]
    assert best["symbols"] == ["S0", "S1", "S2"]
    assert best["provenance"]["compared_trials"] == [c["trial"] for c in rank_configs(extended["configs"], "maximize")]
    assert best["provenance"]["data_fingerprint"] == data.fingerprint
    assert best["provenance"]["n_trials_complete"] == len(study.trials)
    dsr = best["deflated_sharpe"]
    assert dsr["n_trials"] == len(study.trials) and 0.0 <= dsr["dsr"] <= 1.0
    assert dsr["n_periods"] == len(chosen["oos_returns"])
    for plot in best["plots"]:
        assert (workspace.root / plot).read_bytes().startswith(b"\x89PNG")


def test_no_deflated_sharpe_for_a_non_trading_metric(workspace, data):
    study, url = _study(workspace, data, checkpoints=0, random_trials=2, bayes_trials=1, fine_trials=0)
    extended_cv(workspace, study, data, _extended(top_n=2, n_splits=4, embargo=1))
    assert analyze(workspace, study, url)["deflated_sharpe"] is None


def test_analysis_without_cv_results_names_the_cv_command(workspace):
    with pytest.raises(MissingInputError) as info:
        read_extended_results(workspace)
    assert "alphaforge cv" in info.value.fix
