"""Model fits size their threads from the CPUs this process may use, never from the machine's cores."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from alphaforge.cpus import THREADS_ENV, cpu_threads, machine_cpus, usable_cpus, worker_threads
from alphaforge.models import make_model


def test_an_executor_share_wins_over_the_machine(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "1")
    assert usable_cpus() == 1
    monkeypatch.setenv(THREADS_ENV, "not a number")
    assert usable_cpus() == machine_cpus()
    assert worker_threads(10 * machine_cpus()) == 1 and worker_threads(1) == machine_cpus()


def test_native_pools_are_capped_while_a_model_runs(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "1")
    with cpu_threads():
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())


def test_lightgbm_and_xgboost_take_the_share(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "1")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 3)), rng.normal(size=200)
    lgb = make_model("lightgbm", task="regression", params={"n_estimators": 5}).fit(X, y)
    assert lgb.booster_.params["num_threads"] == 1
    xgb = make_model("xgboost", task="regression", params={"n_estimators": 5}).fit(X, y)
    assert xgb._params()[0]["nthread"] == 1


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_threads_sleep_while_waiting_unless_the_user_chose(given: str | None, expected: str) -> None:
    """Spinning OpenMP threads made LightGBM 18x slower beside busy processes (alphaforge.cpus);
    importing alphaforge sets the passive policy before LightGBM loads, and keeps a user's own."""
    env = {key: value for key, value in os.environ.items() if key != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    code = "import os, alphaforge, lightgbm; print(os.environ['OMP_WAIT_POLICY'])"
    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == expected
