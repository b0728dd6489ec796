"""Where a model trains: CPU, or a CUDA GPU for the families that can use one.

``device`` is ``auto`` (a GPU when present and usable by the family, else CPU, silently),
``cuda`` (ask for a GPU: without one, train on CPU and say so with a
:class:`GpuFallbackWarning`) or ``cpu``. A GPU is "usable" when the machine has one and the
family's library was built for it (e.g. the xgboost-cpu wheel cannot use CUDA): each family
answers that in its ``gpu_usable`` class method. Results on GPU are not bit-identical to CPU.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import warnings
from typing import Protocol

DEVICES = ("auto", "cpu", "cuda")


class GpuFallbackWarning(UserWarning):
    """A GPU was asked for but cannot be used; training runs on the CPU instead."""


class _GpuCapable(Protocol):
    name: str
    supports_gpu: bool

    @classmethod
    def gpu_usable(cls) -> bool: ...


@functools.lru_cache(maxsize=1)
def gpu_present() -> bool:
    """Whether an NVIDIA GPU is visible (``nvidia-smi -L`` lists one)."""
    executable = shutil.which("nvidia-smi")
    if executable is None:
        return False
    try:
        listing = subprocess.run([executable, "-L"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listing.returncode == 0 and "GPU" in listing.stdout


def resolve_device(requested: str, family: _GpuCapable) -> str:
    """``cpu`` or ``cuda`` for ``family`` given the requested device (see the module docstring)."""
    if requested == "cpu":
        return "cpu"
    if family.supports_gpu and gpu_present() and type(family).gpu_usable():
        return "cuda"
    if requested == "cuda":
        why = ("it has no GPU support" if not family.supports_gpu
               else "no usable GPU was found (none present, or the library was built without GPU support)")
        warnings.warn(f"{family.name}: GPU requested but {why}; training on CPU", GpuFallbackWarning, stacklevel=3)
    return "cpu"
