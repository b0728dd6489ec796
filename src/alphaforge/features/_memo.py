"""Sharing intermediate results between the features of one compute call.

Several features derive from one intermediate: MACD line, signal and histogram from the same
two averages, ADX and ±DI from the same smoothed directional movement. A helper decorated
with :func:`shared` is computed once per set of input arrays while
:func:`shared_intermediates` is active (the compute path activates it for each symbol's
block), and called plainly otherwise. Keys use the identity of the input arrays, which the
memo keeps alive so that no identity is reused; results are made read-only so that no
feature can change what another one reads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])
_MEMO: ContextVar[dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] | None] = ContextVar("feature_memo",
                                                                                           default=None)


@contextmanager
def shared_intermediates() -> Iterator[None]:
    """Within this block, :func:`shared` helpers reuse results for the same input arrays."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _key_part(value: object) -> object:
    return ("array", id(value)) if isinstance(value, np.ndarray) else value


def _freeze(result: Any) -> Any:
    for array in result if isinstance(result, tuple) else (result,):
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    return result


def shared(func: F) -> F:
    """Decorate a pure helper of arrays (and hashable settings) so a compute call computes it once."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        memo = _MEMO.get()
        if memo is None:
            return func(*args, **kwargs)
        key = (func, *map(_key_part, args), *sorted((k, _key_part(v)) for k, v in kwargs.items()))
        if key not in memo:
            memo[key] = (_freeze(func(*args, **kwargs)), args)
        return memo[key][0]

    return wrapper  # type: ignore[return-value]
