"""The local executor (the default): a pool of worker processes on this machine.

Workers are started with ``spawn`` (fresh interpreters: no locks or threads inherited from
the parent, the same as on a Ray node) and kept for the executor's life. One worker means no
pool at all: tasks run in this process, one after the other, which is easiest to debug. Each
worker's model fits share the CPUs with the others (:func:`~alphaforge.cpus.worker_threads`), so
N workers never start N times the machine's threads.

At most ``workers`` tasks are in flight, so a worker that dies (killed, out of memory) loses
only the tasks running at that moment: they are reported as lost, a fresh pool takes the rest.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from alphaforge.cpus import limit_worker_threads, usable_cpus, worker_threads
from alphaforge.errors import InputError
from alphaforge.executors.base import Executor, JobResult, ToldResults, lost_task, run_task


class LocalExecutor(Executor):
    """``workers`` processes on this machine (default: one per CPU this process may use: its
    affinity and cgroup quota, not the machine's count); 1 = serial, in this process."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        workers = usable_cpus() if workers is None else workers
        if workers < 1:
            raise InputError(f"workers must be at least 1, got {workers}", where="--workers",
                             fix="pass --workers 1 (serial) or more")
        super().__init__(workers)
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], *,
            on_done: Callable[[JobResult], None] | None = None) -> list[JobResult]:
        todo = deque(enumerate(items))
        results = ToldResults(on_done)
        while todo:
            if self.workers == 1:  # serial: in this process, one after the other
                index, item = todo.popleft()
                results[index] = run_task(fn, index, item)
            else:
                self._run_until_done_or_broken(fn, todo, results)
        return results.in_order()

    def _run_until_done_or_broken(self, fn: Callable[[Any], Any], todo: deque[tuple[int, Any]],
                                  results: ToldResults) -> None:
        """Feed ``todo`` to the pool until it is empty, or until a worker dies (then drop the pool)."""
        pool = self._open_pool()
        in_flight: dict[Future[JobResult], int] = {}
        while todo or in_flight:
            while todo and len(in_flight) < self.workers:
                index, item = todo.popleft()
                in_flight[pool.submit(run_task, fn, index, item)] = index
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                index = in_flight.pop(future)
                try:
                    results[index] = future.result()
                except BrokenProcessPool as exc:
                    results[index] = lost_task(index, exc)
                    for other, other_index in in_flight.items():  # finished ones keep their result
                        error = other.exception()
                        results[other_index] = other.result() if error is None else lost_task(other_index, error)
                    self.close()
                    return

    def _open_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=limit_worker_threads,
                                             initargs=(worker_threads(self.workers),))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
