"""Package exports imported on first use (PEP 562), for packages whose modules cost more to
import than most of their users need."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, owners: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name in ``owners`` comes from the submodule
    it maps to, imported on first use and then kept in ``namespace`` (the package's globals), so
    later lookups never reach the function."""
    def __getattr__(name: str) -> Any:
        if name in owners:
            value = getattr(importlib.import_module(f"{package}.{owners[name]}"), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
