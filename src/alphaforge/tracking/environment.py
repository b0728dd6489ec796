"""What a run was made with: the git commit of the code (when it is a checkout) and package versions."""

from __future__ import annotations

import functools
import importlib.metadata
import subprocess
from pathlib import Path

PACKAGES = ("alphaforge", "numpy", "pandas", "scikit-learn", "lightgbm", "xgboost", "skops", "torch",
            "mlflow-skinny", "mlflow", "optuna")
"""Distributions whose versions every run and every model records (those installed)."""


@functools.cache
def package_versions() -> dict[str, str]:
    """Installed versions of :data:`PACKAGES` (absent ones left out)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


@functools.cache
def git_commit() -> str | None:
    """The commit of the AlphaForge source checkout, or None (installed from a wheel, no git)."""
    source = Path(__file__).resolve().parent
    try:
        result = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else None
