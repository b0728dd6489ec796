"""The contract every executor keeps: same values as serial, order kept, failures reported with tracebacks."""

from __future__ import annotations

import pytest

from alphaforge.errors import AlphaForgeError, InputError
from alphaforge.executors import failures, make_executor
from alphaforge.cpus import machine_cpus
from tests.executors.tasks import echo_or_wait, fail_on_three, seeded_draws, sleep_then_echo, threads_allowed


def test_same_values_as_a_plain_loop_for_the_same_seeds(executor):
    results = executor.map(seeded_draws, range(6))
    assert [r.value for r in results] == [seeded_draws(seed) for seed in range(6)]
    assert all(r.ok and r.seconds >= 0 for r in results)


def test_workers_share_the_cpus_instead_of_each_taking_them_all(executor):
    threads = [r.value for r in executor.map(threads_allowed, range(executor.workers))]
    if executor.workers == 1:  # serial: this process, all of its CPUs
        assert threads[0][0] == machine_cpus()
    else:
        assert all(n * executor.workers <= max(machine_cpus(), executor.workers) for n, _ in threads)
        assert all(omp == str(n) for n, omp in threads)


def test_results_keep_the_order_of_the_items_not_of_completion(executor):
    items = [(0.3, 0), (0.0, 1), (0.15, 2), (0.0, 3)]
    assert [r.index for r in executor.map(sleep_then_echo, items)] == [0, 1, 2, 3]
    assert [r.value for r in executor.map(sleep_then_echo, items)] == [0, 1, 2, 3]


def test_each_result_is_heard_once_as_its_task_ends_while_the_others_run(executor, tmp_path):
    """The second task waits for a file this process writes on hearing that the first ended: it
    sees it only if results are told as tasks end (progress), not once the batch is done."""
    signal, heard = tmp_path / "first-ended", []

    def on_done(result):
        heard.append(result.index)
        if result.value == "first":
            signal.touch()

    results = executor.map(echo_or_wait, [("echo", "first"), ("wait", str(signal))], on_done=on_done)
    assert [r.value for r in results] == ["first", True] and heard == [0, 1]


def test_a_failing_task_is_reported_with_its_traceback_and_the_others_run(executor):
    results = executor.map(fail_on_three, [1, 3, 5])
    assert [r.ok for r in results] == [True, False, True]
    assert [r.value for r in results if r.ok] == [1, 25]
    (failed,) = failures(results)
    assert failed.error == "ValueError: no good: 3"
    assert "Traceback" in failed.traceback and "fail_on_three" in failed.traceback
    with pytest.raises(AlphaForgeError, match="no good: 3"):
        failed.unwrap()


def test_an_empty_batch_gives_no_results(executor):
    assert executor.map(seeded_draws, []) == []


def test_unknown_executor_suggests_the_closest_name():
    with pytest.raises(InputError, match="did you mean 'local'"):
        make_executor("lcoal")


def test_an_address_without_ray_is_refused():
    with pytest.raises(InputError, match="--executor ray"):
        make_executor("local", 2, "ray://head:10001")


def test_workers_must_be_positive():
    with pytest.raises(InputError, match="at least 1"):
        make_executor("local", 0)
