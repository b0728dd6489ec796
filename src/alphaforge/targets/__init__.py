"""Training-only targets: named, parameterised labels with the time ``t1`` each becomes known.

Nothing on the prediction path may import this package (features, models' predict path):
targets read the future by definition.
"""

from alphaforge.targets.cache import BuildReport, TargetCache, build_targets
from alphaforge.targets.compute import compute_targets, labelled_rows, t1_column
from alphaforge.targets.registry import (
    TARGET_KINDS,
    TargetSpec,
    is_regression,
    parse_target,
    parse_targets,
    task_of,
)
from alphaforge.targets.summary import describe_kinds, describe_targets

__all__ = [
    "TARGET_KINDS",
    "BuildReport",
    "TargetCache",
    "TargetSpec",
    "build_targets",
    "compute_targets",
    "describe_kinds",
    "describe_targets",
    "is_regression",
    "labelled_rows",
    "parse_target",
    "parse_targets",
    "t1_column",
    "task_of",
]
