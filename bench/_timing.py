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
