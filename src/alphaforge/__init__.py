"""AlphaForge: raw market data to a tuned, validated, backtested trading model in one command.

The front door for notebooks (:mod:`alphaforge.project`)::

    import alphaforge as af
    project = af.init("research")          # or af.open("research")
    project.data_demo()
    summary = project.run()

``Project``, ``init``, ``open``, ``Config`` and ``__version__`` load on first use, so ``import
alphaforge`` (and the CLI) stays fast.
"""

from typing import Any

from alphaforge.cpus import passive_openmp

passive_openmp()  # before any OpenMP library loads: see alphaforge.cpus

_FRONT_DOOR = {"Project": "alphaforge.project", "Holdout": "alphaforge.project", "init": "alphaforge.project",
               "open": "alphaforge.project", "Config": "alphaforge.config"}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read on first use (see alphaforge._version)
        from alphaforge._version import installed_version

        return installed_version()
    if name in _FRONT_DOOR:
        import importlib

        return getattr(importlib.import_module(_FRONT_DOOR[name]), name)
    raise AttributeError(f"module 'alphaforge' has no attribute {name!r}")


__all__ = ["Config", "Holdout", "Project", "__version__", "init", "open"]
