"""How this process's C heap (glibc's malloc) and Arrow's memory pool treat freed memory: two
policies for two kinds of work, each set once and each leaving a user's own settings alone; and
how an ending process spares its cycle collector the objects it is about to drop anyway.

- :func:`keep_freed_arrays`, for long computations (features): keep freed arrays for reuse.
  The compute path makes and frees many short-lived arrays per symbol (a 50 000-bar block:
  400 KB each). Until a process frees one large array, glibc serves such arrays from fresh
  mappings and returns freed heap at the top to the system as soon as more than twice that
  threshold lies free: each symbol's temporaries are then faulted in page by page again for the
  next symbol. Measured on the default feature set at 20 symbols x 50 000 hourly bars: 82 000
  page faults and 0.36 s of system time in a 2.0 s compute, against 1 000 faults and 0.15 s with
  the thresholds glibc's own dynamic rule reaches once a process frees a 32 MiB array (arrays
  up to 32 MiB from the heap, up to 64 MiB of freed heap kept), set at the first compute.
- :func:`return_freed_memory`, for a short command whose peak RSS is its budget (`alphaforge
  predict`, 200 MB): hand memory back as it is freed. Arrow's default pool (mimalloc) keeps its
  arenas: 25 MB of predict's 220 MB peak, which the C allocator hands back; glibc raises its
  mapping threshold each time it unmaps a freed block, so later arrays come from the heap and
  stay there; fixing it at its initial 128 KiB kept another 7 MB off the peak. Both settings go
  in the environment variables Arrow and glibc read, so the processes it starts inherit them,
  and :func:`keep_freed_arrays` (which leaves a user's allocator settings alone) leaves them too.
- :func:`skip_collection_at_exit`, for a process about to end (the command line, its worker
  scripts): an ending interpreter runs the cycle collector over every object the imported
  libraries made (some 470 000 after `alphaforge run`) several times while it takes its modules
  apart. Frozen at exit (``gc.freeze``), they are left out of those passes: `alphaforge run` on
  the bundled data ended 1.26 s after its last line, 0.11 s with them frozen; `alphaforge
  predict` 0.22-0.46 s, 0.06-0.07 s.
- :func:`release_unused`, between the parts of a long job (the stages of `alphaforge run`, after
  the training matrix is assembled): hand back what the finished part freed. Arrow's default
  pool (mimalloc) keeps every arena it ever used: the features stage of 20 x 50 000 hourly bars
  left 920 MB of freed Arrow memory in the process (RSS 1.1 GB, 0.19 GB after the release), which
  every later stage carried on top of its own peak (the run's peak RSS 3.4 GB).

Values never depend on either. A C library without ``mallopt`` (not glibc) is left as it is.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import platform
import sys
from typing import Any

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameters: freed heap kept before it is returned; the size from which a
block is its own mapping, unmapped when freed."""
KEEP_MAPPED_FROM = 32 * 2**20
"""keep_freed_arrays: arrays below this come from the heap (glibc's largest dynamic threshold on 64-bit)."""
KEEP_TRIM_FROM = 2 * KEEP_MAPPED_FROM
"""keep_freed_arrays: freed heap kept for reuse before it is returned (glibc's dynamic rule: twice the above)."""
RETURN_MAPPED_FROM = 128 * 1024
"""return_freed_memory: glibc's initial mapping threshold, kept fixed."""
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_",
                  "GLIBC_TUNABLES")


@functools.cache
def _glibc() -> Any:
    """This process's C library when it is glibc (``mallopt``, ``malloc_trim``), else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    import ctypes

    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def _mallopt(setting: int, value: int) -> bool:
    """glibc's ``mallopt(setting, value)`` for this process; False where there is none or it refused."""
    libc = _glibc()
    return libc is not None and bool(libc.mallopt(setting, value))


@functools.cache
def keep_freed_arrays() -> bool:
    """Keep freed arrays for reuse (once per process; see the module docstring); True when set."""
    if any(name in os.environ for name in _USER_SETTINGS):
        return False
    return _mallopt(_M_MMAP_THRESHOLD, KEEP_MAPPED_FROM) and _mallopt(_M_TRIM_THRESHOLD, KEEP_TRIM_FROM)


def release_unused() -> None:
    """Return the memory freed so far to the system (see the module docstring): Arrow's pool, when
    pyarrow is loaded, and glibc's free heap (``malloc_trim``: free pages inside the heap too)."""
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def return_freed_memory() -> None:
    """Hand freed memory back at once (see the module docstring). Does nothing once pyarrow is
    imported (a notebook, the tests: the pool is chosen), and keeps a user's own settings."""
    if "pyarrow" in sys.modules:
        return
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # read as pyarrow loads
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:  # the user's choice, which glibc read at start
        return
    os.environ["MALLOC_MMAP_THRESHOLD_"] = str(RETURN_MAPPED_FROM)  # glibc reads it as a process starts: children
    _mallopt(_M_MMAP_THRESHOLD, RETURN_MAPPED_FROM)  # this process, started before the variable was set


@functools.cache
def skip_collection_at_exit() -> None:
    """Freeze this process's objects as it exits (see the module docstring; registered once per
    process). The other exit handlers run as before, and the frozen objects are still freed and
    their files closed as the modules are taken apart: they are only no longer searched for the
    reference cycles that a process about to end need not break."""
    atexit.register(gc.freeze)
