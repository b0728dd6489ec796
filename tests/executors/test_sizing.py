"""How many local workers the machine affords: CPUs, tasks and free memory, a container's limit included."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphaforge.executors import sizing

GIB = 2**30


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch):
    """Set the usable CPUs and the free memory the sizing sees."""
    def set_to(cpus: int, free: int | None) -> None:
        monkeypatch.setattr(sizing, "usable_cpus", lambda: cpus)
        monkeypatch.setattr(sizing, "available_memory", lambda: free)
    return set_to


def test_one_worker_per_cpu_and_per_task_while_memory_holds_them(machine):
    machine(8, 64 * GIB)
    assert sizing.affordable_workers(5, GIB) == 5  # no more workers than tasks
    assert sizing.affordable_workers(20, GIB) == 8  # nor than CPUs
    machine(8, 8 * GIB)  # half of it holds 4 GiB / (1 GiB + a worker's start)
    assert sizing.affordable_workers(20, GIB) == int(4 * GIB // (GIB + sizing.WORKER_START_BYTES)) == 3


def test_serial_where_memory_is_short_or_unknown(machine):
    machine(8, GIB)
    assert sizing.affordable_workers(5, 2 * GIB) == 1
    machine(8, None)
    assert sizing.affordable_workers(5, 1) == 1
    machine(1, 64 * GIB)  # one CPU (or a worker's share of one inside another executor)
    assert sizing.affordable_workers(5, 1) == 1


def test_free_memory_is_capped_by_the_container_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    meminfo, cgroup = tmp_path / "meminfo", tmp_path / "cgroup"
    cgroup.mkdir()
    meminfo.write_text("MemTotal:       32000000 kB\nMemAvailable:   16000000 kB\n")
    monkeypatch.setattr(sizing, "_MEMINFO", meminfo)
    monkeypatch.setattr(sizing, "_CGROUP", cgroup)
    assert sizing.available_memory() == 16_000_000 * 1024  # no cgroup files: the kernel's figure
    (cgroup / "memory.max").write_text("max\n")
    assert sizing.available_memory() == 16_000_000 * 1024
    (cgroup / "memory.max").write_text(f"{4 * GIB}\n")
    (cgroup / "memory.current").write_text(f"{GIB}\n")
    assert sizing.available_memory() == 3 * GIB
    monkeypatch.setattr(sizing, "_MEMINFO", tmp_path / "absent")
    monkeypatch.setattr(sizing, "_CGROUP", tmp_path / "absent")
    assert sizing.available_memory() is None


def test_this_machine_reports_its_free_memory():
    free = sizing.available_memory()
    assert free is None or 0 < free < 2**50


def test_the_local_executor_starts_one_worker_per_cpu_this_process_may_use(monkeypatch: pytest.MonkeyPatch):
    """Regression: it took os.cpu_count(), the machine's count, so in a container with a 2-CPU quota
    on a 64-core host `--executor local` started 64 workers."""
    from alphaforge.executors import local

    monkeypatch.setattr(local, "usable_cpus", lambda: 3)
    assert local.LocalExecutor().workers == 3
