"""When the walk-forward starts its own workers for the folds (no executor named): folds worth a
worker's start, not so large that one fit keeps every CPU busy, never sharing one GPU."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from alphaforge.config import Config
from alphaforge.pipeline import walkforward


def _folds(largest_rows: int, features: int, folds: int = 5) -> tuple[SimpleNamespace, list]:
    """A stand-in matrix with ``features`` columns and expanding folds up to ``largest_rows``."""
    splits = [(np.arange(largest_rows * (k + 1) // folds), np.arange(10)) for k in range(folds)]
    return SimpleNamespace(feature_names=[f"f{i}" for i in range(features)]), splits


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """2 CPUs, no GPU, and memory for any workers: the calls to the memory sizing are recorded."""
    asked: list[tuple[int, int]] = []
    monkeypatch.setattr(walkforward, "usable_cpus", lambda: 2)
    monkeypatch.setattr(walkforward, "gpu_present", lambda: False)
    monkeypatch.setattr(walkforward, "affordable_workers", lambda tasks, size: asked.append((tasks, size)) or 2)
    return asked


def test_folds_of_the_bundled_demos_size_run_on_workers_the_memory_affords(machine):
    matrix, splits = _folds(145_000, 53)  # 73 000 rows a thread on 2 CPUs
    assert walkforward.fold_workers(matrix, splits, Config(), "lightgbm") == 2
    assert machine == [(5, walkforward.FOLD_BYTES_PER_CELL * 145_000 * 53)]


def test_small_folds_and_folds_that_keep_every_cpu_busy_stay_in_this_process(machine):
    small = _folds(20_000, 50)  # 1 M cells: a worker's start costs about what the fits take
    large = _folds(800_000, 80)  # 400 000 rows a thread: the fit's own threads share it well
    assert walkforward.fold_workers(*small, Config(), "lightgbm") == 1
    assert walkforward.fold_workers(*large, Config(), "lightgbm") == 1
    assert machine == []


def test_more_cpus_take_larger_folds_to_workers(machine, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(walkforward, "usable_cpus", lambda: 16)  # 50 000 rows a thread
    assert walkforward.fold_workers(*_folds(800_000, 80), Config(), "lightgbm") == 2


def test_a_family_on_a_gpu_keeps_its_folds_in_this_process(machine, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(walkforward, "gpu_present", lambda: True)
    matrix, splits = _folds(145_000, 53)
    assert walkforward.fold_workers(matrix, splits, Config(), "lightgbm") == 1
    on_cpu = Config.model_validate({"models": {"device": "cpu"}})
    assert walkforward.fold_workers(matrix, splits, on_cpu, "lightgbm") == 2
    assert walkforward.fold_workers(matrix, splits, Config(), "ridge") == 2  # no GPU support: CPU either way


def test_a_fold_worker_does_not_import_the_plotting_library():
    """A worker imports this module to run its fold, and starts again for every walk-forward:
    matplotlib (the tear sheet's charts, which the parent draws) cost each start 0.8 s."""
    import subprocess
    import sys

    code = "import sys, alphaforge.pipeline.walkforward; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
