"""glibc keeps freed array memory for reuse once features are computed, unless the user tuned malloc."""

from __future__ import annotations

import platform

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
