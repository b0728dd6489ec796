"""How many threads this process may run: the CPUs it is allowed, shared among an executor's workers.

Thread pools sized from ``os.cpu_count()`` oversubscribe a container or a pinned process
(LightGBM with the machine's thread count ran 7x slower than one thread on a busy 2-core box),
and an executor running several workers multiplies that again. :func:`usable_cpus` is what every
model family sizes its threads from: the process's CPU affinity, capped by a cgroup CPU quota,
and divided among workers when an executor started this process as one of several
(:func:`limit_worker_threads`, which executors call in each worker).

Sizing alone is not enough on a shared machine: OpenMP's threads spin at every barrier while
they wait for each other, so when another process holds one of the cores, LightGBM's second
thread waits a whole scheduler slice at each of the hundreds of barriers in a round — measured
on 2 cores beside two busy processes: 401 ms a round with two threads, 22 ms with one.
:func:`passive_openmp` (called when ``alphaforge`` is imported, before any OpenMP library loads)
makes waiting threads sleep instead: 19 ms a round there, and the same speed as spinning on an
idle machine (13.8 vs 13.2 ms). Results do not depend on it (the fits are deterministic for any
thread count).
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

THREADS_ENV = "ALPHAFORGE_THREADS"
"""Set by an executor in each worker: the threads that worker may use (its share of the CPUs)."""
_NATIVE_POOLS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
WAIT_POLICY_ENV = "OMP_WAIT_POLICY"


def passive_openmp() -> None:
    """Make OpenMP threads sleep rather than spin while they wait (see the module docstring),
    unless the user chose a policy. OpenMP runtimes read this once, when they load: it must run
    before LightGBM, XGBoost or PyTorch is imported, and worker processes inherit it."""
    os.environ.setdefault(WAIT_POLICY_ENV, "PASSIVE")


@functools.lru_cache(maxsize=1)
def machine_cpus() -> int:
    """CPUs this process may run on: its CPU affinity, capped by a cgroup CPU quota (containers)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max", encoding="ascii").read().split()[:2]
        if quota != "max":
            count = min(count, max(1, math.floor(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, count)


def usable_cpus() -> int:
    """The threads this process's model fits may use: its worker share when an executor set one
    (:data:`THREADS_ENV`), else every CPU it may run on (:func:`machine_cpus`)."""
    share = os.environ.get(THREADS_ENV, "")
    return max(1, int(share)) if share.isdigit() else machine_cpus()


def map_on_cpus(func: Callable[[T], R], items: Iterable[T], *, threaded: bool = True) -> list[R]:
    """``func`` of every item, in order, on one thread per usable CPU (serially on one, for one
    item, or without ``threaded``): for work whose NumPy calls run without the GIL, such as a
    feature over one symbol's rows or a statistic of one column. Calls on small arrays are the
    exception (``threaded=False``): they hold the GIL about as long as they run, and two threads
    passing it to and fro take longer than one thread alone."""
    items = list(items)
    threads = min(usable_cpus(), len(items)) if threaded else 1
    if threads < 2:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="alphaforge") as pool:
        return list(pool.map(func, items))


def map_ahead(func: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``func`` of every item, in order, each computed on another thread while the caller uses the
    one before it (one item ahead, so one result waits at most): for reads that run without the
    GIL, such as a file's bytes, their checksum and their Parquet decoding, beside the caller's
    work on the last one. On one usable CPU, plainly one after the other. An exception is raised
    where its item's result would have been."""
    items = list(items)
    if usable_cpus() < 2 or len(items) < 2:
        yield from map(func, items)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="alphaforge-ahead") as pool:
        future = pool.submit(func, items[0])
        for item in items[1:]:
            done, future = future.result(), pool.submit(func, item)
            yield done
        yield future.result()


def worker_threads(workers: int) -> int:
    """Each worker's share when ``workers`` run side by side on this machine (at least one)."""
    return max(1, machine_cpus() // max(1, workers))


def limit_worker_threads(threads: int) -> None:
    """Make this process one of several workers: model families and native thread pools (OpenMP,
    BLAS) started from now on use ``threads`` threads."""
    os.environ[THREADS_ENV] = str(threads)
    for name in _NATIVE_POOLS:
        os.environ[name] = str(threads)


@contextlib.contextmanager
def cpu_threads() -> Iterator[None]:
    """Native thread pools (OpenMP, BLAS) capped at :func:`usable_cpus` while the block runs: the
    families whose library has no thread parameter (scikit-learn's histogram boosting, NumPy's
    linear algebra) otherwise start one thread per core of the machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=usable_cpus()):
        yield
