"""What a study writes: trial results, history, importances, top-k checkpoints, best model."""

from __future__ import annotations

import json

import optuna
import pytest
from optuna.trial import TrialState

from alphaforge.artifacts import ModelCard
from alphaforge.models import load_model
from alphaforge.models.registry import resolve_model
from alphaforge.tuning import tune
from alphaforge.tuning.phases import best_trials
from alphaforge.tuning.study import default_storage_url
from tests.tuning.synthetic import fast_settings

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def tuned(workspace, data):
    result = tune(workspace, data, fast_settings(checkpoints=2))
    study = optuna.load_study(study_name=result.study, storage=default_storage_url(workspace, result.study))
    return result, study


def test_trial_results_hold_every_trial_with_phase_params_and_fold_scores(tuned):
    result, study = tuned
    report = json.loads((result.directory / "trial_results.json").read_text())
    assert report["study"] == result.study and report["direction"] == "maximize" and report["metric"] == "ic"
    assert report["data_fingerprint"] == "synthetic-0-regression"
    assert [t["number"] for t in report["trials"]] == [t.number for t in study.trials]
    for record in report["trials"]:
        assert set(record) == {"number", "phase", "state", "value", "params", "fold_scores", "duration_s",
                               "started", "completed"}
        assert record["state"] == "COMPLETE" and len(record["fold_scores"]) == 3
        assert record["value"] == pytest.approx(sum(record["fold_scores"]) / 3)
    assert report["phases"]["fine"] == {"planned": 2, "complete": 2, "pruned": 0, "fail": 0, "running": 0}
    assert report["best"]["number"] == study.best_trial.number
    assert set(report["narrowed_space"]["alpha"]["attributes"]) >= {"low", "high", "log"}


def test_history_tracks_the_best_so_far_and_the_plots_are_pngs(tuned):
    result, study = tuned
    rows = json.loads((result.directory / "optimization_history.json").read_text())
    assert len(rows) == len(study.trials)
    best = float("-inf")
    for row in rows:
        best = max(best, row["value"])
        assert row["best_so_far"] == best
    for name in ("optimization_history.png", "param_importances.png"):
        assert (result.directory / name).read_bytes().startswith(PNG)
    importances = json.loads((result.directory / "param_importances.json").read_text())
    assert list(importances) == ["alpha"] and importances["alpha"] == pytest.approx(1.0)


def test_checkpoints_are_the_top_k_trials_and_load_safely(tuned, workspace):
    result, study = tuned
    top = [t.number for t in best_trials(study, 2)]
    saved = sorted(int(p.name.removeprefix("trial_")) for p in (result.directory / "checkpoints").iterdir())
    assert saved == sorted(top)
    model = load_model(result.directory / "checkpoints" / f"trial_{top[0]}")
    assert model.feature_names_ == ["a", "b", "c"]
    card = ModelCard.load(result.directory / "best_model" / "config.json")
    assert card.provenance["trial"] == top[0] and card.params == study.best_trial.params
    assert card.stage == "tuning" and card.target.name == "fwd_ret_2"
    resolved = resolve_model(workspace.root)
    assert resolved.source == "tuning" and resolved.card.features == ["a", "b", "c"]


def test_no_checkpoints_when_k_is_zero(workspace, data):
    result = tune(workspace, data, fast_settings(checkpoints=0, random_trials=2, bayes_trials=0, fine_trials=0))
    assert not (result.directory / "checkpoints").exists()
    study = optuna.load_study(study_name=result.study, storage=result.storage)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
