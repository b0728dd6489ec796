"""The three phases fill to their sizes; seeds reproduce phase 1; fine-tuning stays narrowed; pruning prunes."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from alphaforge.errors import AlphaForgeError, InputError
from alphaforge.tuning import PRUNERS, make_pruner, phase_schedule, resolve_metric, tune
from alphaforge.tuning.objective import CVObjective
from alphaforge.tuning.phases import NARROWED_ATTR, phase_counts, phase_sampler
from alphaforge.tuning.spaces import search_space
from alphaforge.tuning.study import default_storage_url, open_storage
from alphaforge.tuning.tune import walk_forward_folds
from tests.tuning.synthetic import fast_settings, synthetic_data


def _study(workspace, name):
    return optuna.load_study(study_name=name, storage=default_storage_url(workspace, name))


def test_each_phase_gets_its_trials_in_order(workspace, data):
    result = tune(workspace, data, fast_settings(random_trials=4, bayes_trials=3, fine_trials=2))
    study = _study(workspace, result.study)
    phases = [t.user_attrs["phase"] for t in study.trials]
    assert phases == ["random"] * 4 + ["bayes"] * 3 + ["fine"] * 2
    assert phase_counts(study) == {"random": 4, "bayes": 3, "fine": 2}
    assert {p: c["complete"] for p, c in result.phases.items()} == {"random": 4, "bayes": 3, "fine": 2}


def test_running_again_adds_only_what_is_missing(workspace, data):
    tune(workspace, data, fast_settings())
    again = tune(workspace, data, fast_settings(bayes_trials=5))
    assert again.trials_run == 2
    assert again.phases["bayes"]["complete"] == 5


def test_fine_tuning_samples_inside_the_stored_narrowed_space(workspace, data):
    result = tune(workspace, data, fast_settings(random_trials=6, bayes_trials=0, fine_trials=4))
    study = _study(workspace, result.study)
    assert NARROWED_ATTR in study.user_attrs
    alpha = search_space("ridge")["alpha"]
    best = sorted((t for t in study.trials if t.user_attrs["phase"] == "random"), key=lambda t: -t.value)[:3]
    low, high = min(t.params["alpha"] for t in best), max(t.params["alpha"] for t in best)
    pad = 0.1 * (np.log(alpha.high) - np.log(alpha.low))
    for trial in (t for t in study.trials if t.user_attrs["phase"] == "fine"):
        assert np.log(low) - pad - 1e-9 <= np.log(trial.params["alpha"]) <= np.log(high) + pad + 1e-9


def _phase1_params(tmp_path, seed):
    from alphaforge.workspace import Workspace

    workspace = Workspace.create(tmp_path / f"ws{seed}-{len(list(tmp_path.iterdir()))}")
    result = tune(workspace, synthetic_data(), fast_settings(random_trials=4, bayes_trials=0, fine_trials=0,
                                                             seed=seed))
    return [t.params for t in _study(workspace, result.study).trials]


def test_the_same_seed_gives_the_same_phase_one_parameters(tmp_path):
    first, second = _phase1_params(tmp_path, 7), _phase1_params(tmp_path, 7)
    assert first == second
    assert first != _phase1_params(tmp_path, 8)


def test_random_draws_depend_on_the_trial_number_not_on_the_run(workspace, data):
    """A resumed random phase continues with new points rather than repeating the first ones."""
    result = tune(workspace, data, fast_settings(random_trials=6, bayes_trials=0, fine_trials=0))
    alphas = [t.params["alpha"] for t in _study(workspace, result.study).trials]
    assert len(set(alphas)) == 6


def test_hopeless_trials_are_pruned_after_their_first_fold(workspace):
    data = synthetic_data(n_times=150, signal=1.0)
    metric = resolve_metric("auto", data.task)
    objective = CVObjective(data, "lightgbm", search_space("lightgbm"), metric, walk_forward_folds(data, 3, 1))
    storage = open_storage(default_storage_url(workspace, "prune"))
    study = optuna.create_study(storage=storage, study_name="prune", direction="maximize",
                                sampler=phase_sampler("random", 0),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0))
    good = {"n_estimators": 30, "learning_rate": 0.1, "num_leaves": 7, "min_data_in_leaf": 10,
            "feature_fraction": 1.0, "bagging_fraction": 1.0, "lambda_l2": 1.0}
    study.enqueue_trial(good)
    study.enqueue_trial({**good, "min_data_in_leaf": 500})  # no split possible: constant predictions, IC 0
    study.optimize(objective, n_trials=2)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.PRUNED]
    assert len(study.trials[1].user_attrs["fold_scores"]) == 1


def test_tune_with_the_median_pruner_records_pruned_trials_as_such(workspace, data):
    result = tune(workspace, data, fast_settings(pruner="median", random_trials=8, bayes_trials=4, fine_trials=0))
    phases = result.phases
    assert phases["random"]["complete"] + phases["random"]["pruned"] == 8
    for trial in _study(workspace, result.study).trials:
        assert len(trial.user_attrs["fold_scores"]) == (3 if trial.state == TrialState.COMPLETE else
                                                        len(trial.intermediate_values))


@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_every_pruner_name_builds_an_optuna_pruner(name):
    assert isinstance(make_pruner(name, 4), optuna.pruners.BasePruner)


def test_unknown_pruner_and_negative_phase_are_refused():
    with pytest.raises(InputError, match="unknown pruner"):
        make_pruner("sha", 4)
    with pytest.raises(InputError, match=">= 0"):
        phase_schedule(1, -1, 1)


def test_parallel_threads_fill_each_phase_with_at_most_one_extra_trial(workspace, data):
    result = tune(workspace, data, fast_settings(n_jobs=2, random_trials=4, bayes_trials=4, fine_trials=2))
    for phase, planned in {"random": 4, "bayes": 4, "fine": 2}.items():
        counts = result.phases[phase]
        assert planned <= counts["complete"] + counts["pruned"] <= planned + 1
        assert counts["fail"] == counts["running"] == 0


def test_a_phase_whose_trials_all_fail_stops_with_an_error(workspace, data, monkeypatch):
    monkeypatch.setattr(CVObjective, "__call__", lambda self, trial: float("nan"))
    with pytest.raises(AlphaForgeError, match="all failed"):
        tune(workspace, data, fast_settings(random_trials=2))
