"""The local executor: real parallel processes, and a worker that dies loses only its own tasks."""

from __future__ import annotations

import os

import pytest

from alphaforge.executors import LocalExecutor
from tests.executors.tasks import die_on_zero, pid_of_worker, sleep_then_echo


def test_one_worker_runs_in_this_process():
    with LocalExecutor(workers=1) as executor:
        assert {r.value for r in executor.map(pid_of_worker, range(3))} == {os.getpid()}


def test_two_workers_run_tasks_in_other_processes(local_pool):
    results = local_pool.map(sleep_then_echo, [(0.5, 0), (0.5, 1)])
    pids = {r.value for r in local_pool.map(pid_of_worker, range(4))}
    assert [r.value for r in results] == [0, 1]
    assert os.getpid() not in pids


@pytest.mark.slow
def test_a_killed_worker_loses_its_task_and_the_rest_still_run():
    with LocalExecutor(workers=2) as executor:
        results = executor.map(die_on_zero, [0, 1, 2, 3, 4])
        assert not results[0].ok and "worker lost" in results[0].error
        # jobs already dispatched when the pool broke (on a busy machine, 1 and maybe 2) are lost with it;
        # never a wrong value, and the queued jobs run in a fresh pool
        assert all(r.value == i if r.ok else "worker lost" in r.error for i, r in enumerate(results[1:3], 1))
        assert [r.value for r in results[3:]] == [3, 4]
        assert executor.map(die_on_zero, [5])[0].value == 5  # a fresh pool after the crash
