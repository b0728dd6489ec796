"""glibc keeps freed array memory for reuse once features are computed, unless the user tuned malloc."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import pytest

from alphaforge import heap as _heap


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch):
    for name in _heap._USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    _heap.keep_freed_arrays.cache_clear()
    yield monkeypatch
    _heap.keep_freed_arrays.cache_clear()


def test_set_on_glibc_once(fresh: pytest.MonkeyPatch) -> None:
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert _heap.keep_freed_arrays() is glibc
    assert _heap.keep_freed_arrays() is glibc  # cached: mallopt runs once per process


@pytest.mark.parametrize("name", ["MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_"])
def test_a_users_malloc_settings_are_left_alone(fresh: pytest.MonkeyPatch, name: str) -> None:
    """MALLOC_MMAP_THRESHOLD_ is also what return_freed_memory sets: predict's features keep its policy."""
    fresh.setenv(name, "131072" if name.startswith("MALLOC") else "glibc.malloc.trim_threshold=131072")
    assert _heap.keep_freed_arrays() is False


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads the RSS from /proc")
def test_release_unused_returns_arrow_memory_a_finished_stage_freed() -> None:
    """Arrow's pool keeps the arenas of freed tables (mimalloc, jemalloc) until asked to release them."""
    import numpy as np
    import pyarrow as pa

    table = pa.table({f"c{i}": pa.array(np.random.default_rng(i).normal(size=5_000_000)) for i in range(10)})
    table = pa.concat_tables([table, table]).combine_chunks()  # 800 MB from Arrow's pool
    del table
    held = _rss_mb()
    _heap.release_unused()
    assert _rss_mb() < held - 300


@pytest.mark.parametrize("entry", ["from alphaforge.heap import skip_collection_at_exit; skip_collection_at_exit()",
                                   "sys.argv = ['alphaforge', '--version']; from alphaforge.cli import main; main()"])
def test_the_command_line_ends_with_its_objects_frozen(entry: str) -> None:
    """The command line and its worker scripts freeze their objects as they exit, after their
    work and before the interpreter's last collections (the handler registered first runs last)."""
    import subprocess
    import sys

    script = f"import atexit, gc, sys\natexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n{entry}\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "frozen True", done.stderr
