"""Helpers that spread work over the CPUs this process may use, with results as on one thread."""

from __future__ import annotations

import threading

import pytest

from alphaforge.cpus import THREADS_ENV, map_ahead


@pytest.mark.parametrize("threads", ["1", "2"])
def test_map_ahead_gives_every_result_in_order(threads: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(THREADS_ENV, threads)
    assert list(map_ahead(lambda x: x * x, range(7))) == [x * x for x in range(7)]
    assert list(map_ahead(str, [])) == [] and list(map_ahead(str, [5])) == ["5"]


def test_map_ahead_reads_the_next_item_on_another_thread_and_only_one_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    """With two CPUs the next item is computed on another thread while the caller holds the last
    result, never more than one item ahead; on one CPU everything runs on the caller's thread."""
    monkeypatch.setenv(THREADS_ENV, "2")
    started: list[int] = []
    where: set[int] = set()
    second = threading.Event()

    def record(item: int) -> int:
        started.append(item)
        where.add(threading.get_ident())
        if item == 1:
            second.set()
        return item

    results = map_ahead(record, range(5))
    assert next(results) == 0
    assert second.wait(timeout=10)  # item 1 runs while the caller holds item 0 ...
    assert started == [0, 1]  # ... and item 2 waits until item 1 is taken
    assert list(results) == [1, 2, 3, 4]
    assert threading.get_ident() not in where
    monkeypatch.setenv(THREADS_ENV, "1")
    where.clear()
    assert list(map_ahead(record, range(3))) == [0, 1, 2] and where == {threading.get_ident()}


def test_map_ahead_raises_where_the_failing_item_is_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(THREADS_ENV, "2")

    def fail_on_two(item: int) -> int:
        if item == 2:
            raise ValueError("item 2")
        return item

    results = map_ahead(fail_on_two, range(4))
    assert [next(results), next(results)] == [0, 1]
    with pytest.raises(ValueError, match="item 2"):
        next(results)
