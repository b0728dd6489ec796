"""Timing shared by the benchmarks (scripts run as `python bench/NAME.py`, so this folder is importable)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one run; on a shared machine CPU time is what
    other work disturbs least, and CPU below wall time means the difference was other work."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def best_timed(run: Callable[[], object], repeat: int,
               before: Callable[[], object] | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of ``repeat`` runs (the least disturbed by other work);
    ``before`` runs untimed before each, to put back the state a run consumes."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        if before is not None:
            before()
        best = min(best, timed(run))
    return best


def best_seconds(make: Callable[[], object], repeat: int) -> float:
    """Wall seconds of the fastest of ``repeat`` runs."""
    return best_timed(make, repeat)[0]


def compile_bytecode() -> str:
    """Compile the alphaforge package's bytecode (once; it is kept beside the sources, as a pip
    install leaves it), so that fresh processes time AlphaForge, not the compiler: where
    ``PYTHONDONTWRITEBYTECODE`` is set (this machine) an editable install never keeps any, and
    every start compiles each module it imports again. Returns the line the benchmarks print."""
    import compileall
    import io
    from contextlib import redirect_stdout

    import alphaforge

    with redirect_stdout(io.StringIO()):
        compileall.compile_dir(Path(alphaforge.__file__).parent, quiet=2)
    unset = "" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "; PYTHONDONTWRITEBYTECODE is not set"
    return f"bytecode: compiled before timing (as an install leaves it){unset}"


class TreeMemory:
    """The peak memory of a process and every process it starts (an executor's workers), sampled
    every ``interval`` seconds from ``/proc``: each process's anonymous memory plus the largest
    file-backed set among them, as the workers are spawned (no pages of the parent's heap are shared)
    and what they share is file-backed (the libraries, the matrix they map), so it counts once. A
    process's own peak RSS (``ru_maxrss``) misses its workers; ``wait4`` gives only the largest one.

    The counters come from ``/proc/PID/status``, which the kernel keeps as it goes. Proportional set
    sizes (``smaps_rollup``) would be exact but walk the page tables under the process's memory lock:
    ten reads a second slowed a 1 M-row run by 12 % (126-132 s against 142-152 s, alternating).

    >>> with TreeMemory(pid) as memory:  # doctest: +SKIP
    ...     process.wait()
    >>> memory.peak_mb  # doctest: +SKIP
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        import threading

        self.pid, self.interval, self.peak_mb = pid, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        tree, samples = [self.pid], 0
        while not self._stop.wait(self.interval):
            if samples % 10 == 0:  # workers start seconds apart: look for them once a second
                tree = _tree(self.pid)
            samples += 1
            counts = [_memory_kb(pid) for pid in tree]  # never empty: the tree holds pid
            anonymous = sum(anon for anon, _ in counts)
            self.peak_mb = max(self.peak_mb, (anonymous + max(mapped for _, mapped in counts)) / 1024)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants alive now."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """A process's resident (anonymous, file-backed and shared) memory in kB ((0, 0) once it has ended)."""
    fields = {"RssAnon:": 0, "RssFile:": 0, "RssShmem:": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition("\t")
            if name in fields:
                fields[name] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return fields["RssAnon:"], fields["RssFile:"] + fields["RssShmem:"]
