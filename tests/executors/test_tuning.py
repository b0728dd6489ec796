"""Tuning workers sharing one study: no trial lost or run twice, a killed worker's trial ends FAIL,
and the same seed gives the same trials on any executor."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from alphaforge.executors import make_executor
from alphaforge.tuning.workers import optimize_on_executor, tune_on_executor
from alphaforge.workspace import Workspace
from tests.executors.tasks import quadratic
from tests.tuning.synthetic import fast_settings, synthetic_data

REPO = Path(__file__).resolve().parents[2]
HEARTBEAT_S, GRACE_S = 1, 2
pytestmark = pytest.mark.slow  # worker processes importing the tuning stack: ~20 s a test on a busy machine


def _new_study(url: str) -> str:
    name = f"test-{uuid.uuid4().hex[:8]}"
    optuna.create_study(storage=url, study_name=name, direction="minimize")
    return name


def test_two_workers_share_one_study_without_losing_or_repeating_trials(local_pool, storage_url):
    name = _new_study(storage_url)
    results = optimize_on_executor(local_pool, storage_url, name, quadratic, [4, 5])
    ran = [r.unwrap() for r in results]
    trials = optuna.load_study(study_name=name, storage=storage_url).trials
    assert [len(numbers) for numbers in ran] == [4, 5]
    assert sorted(ran[0] + ran[1]) == [t.number for t in trials] == list(range(9))
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    assert len({t.params["x"] for t in trials}) == 9


def _start_hanging_worker(url: str, name: str) -> subprocess.Popen:
    code = ("from alphaforge.tuning.workers import TrialBatch, optimize_batch; from tests.executors.tasks import hang; "
            f"optimize_batch(TrialBatch({url!r}, {name!r}, 1, hang, heartbeat_interval={HEARTBEAT_S}, "
            f"grace_period={GRACE_S}))")
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stderr=subprocess.DEVNULL)


def test_a_worker_killed_mid_trial_leaves_the_trial_failed_for_the_next_worker(storage_url):
    name = _new_study(storage_url)
    worker = _start_hanging_worker(storage_url, name)
    try:
        deadline = time.monotonic() + 60
        while not optuna.load_study(study_name=name, storage=storage_url).get_trials(states=(TrialState.RUNNING,)):
            assert worker.poll() is None and time.monotonic() < deadline, "the worker never started its trial"
            time.sleep(0.1)
        time.sleep(HEARTBEAT_S + 1)  # a trial killed before its first heartbeat would never be seen as stale
    finally:
        worker.kill()
        worker.wait()
    time.sleep(GRACE_S + HEARTBEAT_S)  # the killed trial's heartbeat is now stale
    serial = make_executor("local", workers=1)
    (result,) = optimize_on_executor(serial, storage_url, name, quadratic, [2], heartbeat_interval=HEARTBEAT_S,
                                     grace_period=GRACE_S)
    states = {t.number: t.state for t in optuna.load_study(study_name=name, storage=storage_url).trials}
    assert result.unwrap() == [1, 2]
    assert states == {0: TrialState.FAIL, 1: TrialState.COMPLETE, 2: TrialState.COMPLETE}


def _random_phase(workspace: Workspace, executor, workers: int) -> dict[int, tuple[dict, float]]:
    settings = fast_settings(random_trials=4, bayes_trials=0, fine_trials=0)
    results = tune_on_executor(executor, workspace, synthetic_data(), settings, workers=workers)
    assert all(r.ok for r in results), [r.traceback for r in results]
    study = optuna.load_study(study_name=settings.study, storage=results[0].value["storage"])
    return {t.number: (t.params, t.value) for t in study.trials}


def test_the_tuning_study_has_the_same_trials_on_two_workers_as_serially(tmp_path, local_pool):
    serial = _random_phase(Workspace.create(tmp_path / "a"), make_executor("local", workers=1), 1)
    parallel = _random_phase(Workspace.create(tmp_path / "b"), local_pool, 2)
    assert len(serial) == 4 and 4 <= len(parallel) <= 5  # each parallel worker may overshoot the phase by one
    assert {n: parallel[n] for n in serial} == serial
