"""Selection: which targets are worth predicting, with which features, and how to train them.

Target ranking (:mod:`.ranking`) → per-target feature selection with leakage flags
(:mod:`.selection`, using :mod:`.importance`, :mod:`.clustering`, :mod:`.leakage`) → routing
(:mod:`.routing`) → the training plan (:mod:`.plan`); :func:`auto_plan` runs all four as
cached stages. Every model here is the small LightGBM of :mod:`.scoring`, fitted inside
purged walk-forward training folds.
"""

from alphaforge.selection.auto import (
    auto_plan,
    run_selection_stages,
    select_for_target,
    selection_stages,
)
from alphaforge.selection.inputs import SelectionInputs
from alphaforge.selection.leakage import (
    LeakageFlag,
    copy_flags,
    implausible_flags,
    truncation_flags,
)
from alphaforge.selection.plan import (
    StagedJob,
    build_training_plan,
    find_training_plan,
    load_training_plan,
    planned_targets,
    staged_jobs,
    write_training_plan,
)
from alphaforge.selection.ranking import (
    TargetScore,
    rank_targets,
    score_target,
    selected_targets,
    write_ranking,
)
from alphaforge.selection.routing import (
    RoutingPlan,
    TargetRoute,
    route_target,
    route_targets,
    write_routing_plan,
)
from alphaforge.selection.selection import (
    FeatureSelection,
    select_features,
    write_selection,
)

__all__ = [
    "FeatureSelection",
    "LeakageFlag",
    "RoutingPlan",
    "SelectionInputs",
    "StagedJob",
    "TargetRoute",
    "TargetScore",
    "auto_plan",
    "build_training_plan",
    "copy_flags",
    "find_training_plan",
    "implausible_flags",
    "load_training_plan",
    "planned_targets",
    "rank_targets",
    "route_target",
    "route_targets",
    "run_selection_stages",
    "score_target",
    "select_features",
    "select_for_target",
    "selected_targets",
    "selection_stages",
    "staged_jobs",
    "truncation_flags",
    "write_ranking",
    "write_routing_plan",
    "write_selection",
    "write_training_plan",
]
