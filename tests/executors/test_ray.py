"""A local Ray runtime (2 CPUs) runs a small training plan and a tuning study like the local executor does."""

from __future__ import annotations

import optuna
import pytest

from alphaforge.executors import make_executor
from alphaforge.pipeline.plan_training import run_plan
from alphaforge.tuning.workers import tune_on_executor
from alphaforge.workspace import Workspace
from tests.executors.conftest import needs_ray
from tests.executors.plan_workspace import make_plan_workspace, plan_jobs
from tests.tuning.synthetic import fast_settings, synthetic_data

pytestmark = [needs_ray, pytest.mark.slow]


def test_the_training_plan_on_ray_trains_the_same_models_as_serial(tmp_path, ray_executor):
    workspace = make_plan_workspace(tmp_path / "ws")
    jobs = plan_jobs(workspace, broken=True)
    on_ray = run_plan(workspace, jobs, ray_executor)
    serial = run_plan(workspace, jobs, make_executor("local", workers=1))
    assert on_ray["executor"]["executor"] == "ray" and on_ray["failed"] == 1
    assert "no_such_feature" in on_ray["tasks"][1]["traceback"]
    assert [row.get("metrics") for row in on_ray["tasks"]] == [row.get("metrics") for row in serial["tasks"]]


def test_a_tuning_study_on_ray_has_the_trials_of_a_serial_one(tmp_path, ray_executor):
    settings = fast_settings(random_trials=4, bayes_trials=2, fine_trials=0)
    trials = {}
    for label, executor, workers in (("ray", ray_executor, 2), ("serial", make_executor("local", workers=1), 1)):
        results = tune_on_executor(executor, Workspace.create(tmp_path / label), synthetic_data(), settings,
                                   workers=workers)
        assert all(r.ok for r in results), [r.traceback for r in results]
        study = optuna.load_study(study_name=settings.study, storage=results[0].value["storage"])
        trials[label] = {t.number: (t.params, t.value) for t in study.trials if t.user_attrs["phase"] == "random"}
        assert {t.state.name for t in study.trials} <= {"COMPLETE", "PRUNED"}
    assert {n: trials["ray"][n] for n in trials["serial"]} == trials["serial"]
