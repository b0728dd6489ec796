"""Experiment tracking (MLflow runs in the workspace) and reading runs back.

>>> from alphaforge.tracking import NullTracker
>>> with NullTracker().run("train") as run:
...     run.log_metrics({"ic": 0.05})
"""

from __future__ import annotations

from alphaforge.tracking.environment import git_commit, package_versions
from alphaforge.tracking.runs import compare_runs, list_runs, show_run
from alphaforge.tracking.tracker import (
    STAGE_TAG,
    MlflowTracker,
    NullRun,
    NullTracker,
    Run,
    Tracker,
    flatten,
    open_tracker,
    parse_tags,
    store_locked,
)

__all__ = [
    "STAGE_TAG",
    "MlflowTracker",
    "NullRun",
    "NullTracker",
    "Run",
    "Tracker",
    "compare_runs",
    "flatten",
    "git_commit",
    "list_runs",
    "open_tracker",
    "package_versions",
    "parse_tags",
    "show_run",
    "store_locked",
]
