"""The installed package's version (``pyproject.toml`` is its one source), importable from any layer
without loading the front door.

Read on first use (``from alphaforge._version import __version__`` still works): the package
metadata reader imports ``email``, ``zipfile`` and friends, 40 ms that `alphaforge predict`,
which never prints the version, should not pay (issue 17).
"""

import functools


@functools.cache
def installed_version() -> str:
    """The version pip installed, or ``0.0.0+source`` in a source tree that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("alphaforge")
    except PackageNotFoundError:
        return "0.0.0+source"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return installed_version()
    raise AttributeError(f"module 'alphaforge._version' has no attribute {name!r}")
