"""Timing shared by the benchmarks (scripts run as `python bench/NAME.py`, so this folder is importable)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_seconds(make: Callable[[], object], repeat: int) -> float:
    """Fastest of ``repeat`` runs (the least disturbed by other work on the machine)."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        make()
        times.append(time.perf_counter() - began)
    return min(times)
