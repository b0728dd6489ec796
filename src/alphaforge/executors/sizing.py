"""How many local workers a job may start when its user named no executor: one per CPU this
process may use, no more than its tasks, and only as many as the machine's free memory holds.

A worker is a fresh interpreter: it costs about 2 s to start and :data:`WORKER_START_BYTES` of
imports (pandas, the model libraries) before it holds any data, so the caller decides first
whether its tasks are large enough to be worth that; this module answers what the machine allows.
"""

from __future__ import annotations

from pathlib import Path

from alphaforge.cpus import usable_cpus

WORKER_START_BYTES = 300 * 2**20
"""A worker's resident memory once it has imported the training stack (measured: 250-300 MB)."""
MEMORY_SHARE = 0.5
"""The share of the free memory a job's workers may fill together: the rest stays for this
process, the page cache and whatever else the machine runs."""
_MEMINFO = Path("/proc/meminfo")
_CGROUP = Path("/sys/fs/cgroup")


def available_memory() -> int | None:
    """Bytes this process could still take: the kernel's ``MemAvailable``, capped by what a cgroup
    memory limit (a container) leaves; None where neither can be read (not Linux)."""
    known: list[int] = []
    try:
        for line in _MEMINFO.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                known.append(int(line.split()[1]) * 1024)
                break
    except (OSError, ValueError):
        pass
    try:
        limit = (_CGROUP / "memory.max").read_text(encoding="ascii").strip()
        if limit != "max":
            known.append(max(0, int(limit) - int((_CGROUP / "memory.current").read_text(encoding="ascii"))))
    except (OSError, ValueError):
        pass
    return min(known) if known else None


def affordable_workers(tasks: int, bytes_per_task: int) -> int:
    """Workers for ``tasks`` tasks that each hold about ``bytes_per_task`` beside a worker's own
    start: at most one per usable CPU (a worker's share inside another executor's worker) and one
    per task, and no more than :data:`MEMORY_SHARE` of the free memory holds. 1 means serial, in
    this process: also where the free memory is unknown."""
    free = available_memory()
    if free is None:
        return 1
    fit = int(free * MEMORY_SHARE // (WORKER_START_BYTES + max(0, bytes_per_task)))
    return max(1, min(usable_cpus(), tasks, fit))
