"""A killed tuning run resumes: completed trials stay, orphaned running ones fail, phases fill up."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from alphaforge.tuning import tune
from alphaforge.tuning.study import default_storage_url
from tests.tuning.synthetic import synthetic_data
from tests.tuning.tune_worker import GRACE_S, HEARTBEAT_S, SETTINGS

WORKER = Path(__file__).with_name("tune_worker.py")


def _complete(url: str, name: str) -> dict[int, float]:
    """Completed trials, read without Optuna: opening the storage while the worker is still creating its
    schema would race it (both insert the alembic version row)."""
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_file():
        return {}
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)) as db:
            rows = db.execute(
                "SELECT t.number, v.value FROM trials t JOIN studies s ON s.study_id = t.study_id "
                "JOIN trial_values v ON v.trial_id = t.trial_id WHERE s.study_name = ? AND t.state = 'COMPLETE'",
                (name,)).fetchall()
    except sqlite3.OperationalError:  # tables not created yet, or the writer holds a lock
        return {}
    return dict(rows)


def _running_trial_has_beaten(url: str) -> bool:
    """True once a RUNNING trial has recorded a heartbeat: a trial killed before its first beat would never be
    seen as stale, so the kill waits for it."""
    path = Path(url.removeprefix("sqlite:///"))
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)) as db:
            return bool(db.execute("SELECT COUNT(*) FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id "
                                   "WHERE t.state = 'RUNNING'").fetchone()[0])
    except sqlite3.OperationalError:
        return False


def _kill_after(process: subprocess.Popen, url: str, name: str, n_complete: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        if len(_complete(url, name)) >= n_complete and _running_trial_has_beaten(url):
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"the worker finished or stalled before {n_complete} trials completed: rc={process.poll()}")


def test_a_killed_run_resumes_without_losing_completed_trials(workspace):
    name = SETTINGS.study
    url = default_storage_url(workspace, name)
    worker = subprocess.Popen([sys.executable, str(WORKER), str(workspace.root)], stderr=subprocess.DEVNULL)
    _kill_after(worker, url, name, n_complete=3)
    before = _complete(url, name)
    existing = len(optuna.load_study(study_name=name, storage=url).trials)
    total = SETTINGS.random_trials + SETTINGS.bayes_trials + SETTINGS.fine_trials
    assert 3 <= len(before) < total
    time.sleep(GRACE_S + HEARTBEAT_S)  # the killed trial's heartbeat is now stale
    result = tune(workspace, synthetic_data(n_times=150), SETTINGS, heartbeat_interval=HEARTBEAT_S,
                  grace_period=GRACE_S)
    study = optuna.load_study(study_name=name, storage=url)
    after = _complete(url, name)
    assert {n: after[n] for n in before} == before
    assert not study.get_trials(states=(TrialState.RUNNING,))
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL) for t in study.trials)
    assert {p: c["complete"] + c["pruned"] for p, c in result.phases.items()} == SETTINGS.planned()
    assert result.trials_run == len(study.trials) - existing


@pytest.mark.slow
def test_the_cli_resumes_a_killed_tune_and_runs_the_chain(tmp_path):
    """`alphaforge tune` on a synthetic market, SIGKILLed, run again; then cv and analyze."""
    ws = tmp_path / "ws"
    run = [sys.executable, "-m", "alphaforge"]

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*run, "-w", str(ws), *args], capture_output=True, text=True, check=False)

    assert cli("init", str(ws)).returncode == 0
    assert cli("data", "synth", "--symbols", "3", "--bars", "400", "--name", "synth").returncode == 0
    config = (ws / "alphaforge.toml").read_text()
    config = config.replace('dataset = "sp500"', 'dataset = "synth"').replace('macro = "macro"', 'macro = ""')
    (ws / "alphaforge.toml").write_text(config)
    args = ["tune", "--random-trials", "4", "--bayes-trials", "3", "--fine-trials", "2", "--family", "ridge"]
    worker = subprocess.Popen([*run, "-w", str(ws), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    name = "fwd_ret_5__ridge"
    url = f"sqlite:///{(ws / 'tuning' / name / 'study.db').resolve()}"
    _kill_after(worker, url, name, n_complete=2, timeout_s=300)
    before = _complete(url, name)
    time.sleep(20)  # default grace period (15 s) for the orphaned trial
    resumed = cli(*args, "--json")
    assert resumed.returncode == 0, resumed.stderr
    after = _complete(url, name)
    assert {n: after[n] for n in before} == before
    phases = json.loads(resumed.stdout)["phases"]
    assert {p: c["complete"] + c["pruned"] for p, c in phases.items()} == {"random": 4, "bayes": 3, "fine": 2}
    assert cli("cv", "--family", "ridge", "--top-n", "2", "--folds", "4").returncode == 0
    analyzed = cli("analyze", "--family", "ridge", "--json")
    assert analyzed.returncode == 0, analyzed.stderr
    assert (ws / "analysis" / "best_config.json").is_file()
