"""The closed map of executor names to classes, and :func:`make_executor` for the CLI."""

from __future__ import annotations

import difflib

from alphaforge.choices import EXECUTOR_NAMES
from alphaforge.errors import InputError
from alphaforge.executors.base import Executor
from alphaforge.executors.local import LocalExecutor
from alphaforge.executors.ray import RayExecutor

EXECUTORS: dict[str, type[Executor]] = dict(zip(EXECUTOR_NAMES, (LocalExecutor, RayExecutor), strict=True))
"""Executor classes by CLI name (importing :mod:`~alphaforge.executors.ray` does not import ``ray``)."""


def make_executor(name: str = "local", workers: int | None = None, address: str | None = None) -> Executor:
    """The executor ``name`` with ``workers`` workers; ``address`` is a Ray cluster (``ray`` only).

    >>> with make_executor("local", workers=1) as executor:
    ...     [r.value for r in executor.map(abs, [-1, 2])]
    [1, 2]
    """
    if name not in EXECUTORS:
        close = difflib.get_close_matches(name, EXECUTORS, n=1)
        raise InputError(f"unknown executor {name!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
                         where="--executor", fix=f"use one of {', '.join(EXECUTORS)}")
    if name == "ray":
        return RayExecutor(workers, address)
    if address:
        raise InputError("--ray-address needs --executor ray", where="--ray-address",
                         fix="add --executor ray, or drop --ray-address")
    return LocalExecutor(workers)
