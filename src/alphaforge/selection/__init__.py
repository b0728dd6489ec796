"""Selection: which targets are worth predicting, with which features, and how to train them.

The truncation test over the features (:func:`leak_flags`; its failures are left out of
everything after it) → target ranking (:mod:`.ranking`) → per-target feature selection with
leakage flags (:mod:`.selection`, using :mod:`.importance`, :mod:`.clustering`,
:mod:`.leakage`) → routing (:mod:`.routing`) → the training plan (:mod:`.plan`);
:func:`auto_plan` runs all five as cached stages. Every model here is the small LightGBM of
:mod:`.scoring`, fitted inside purged walk-forward training folds.

Names load from their submodule on first use, so code that needs only the plan
(:mod:`.plan`) does not import LightGBM and the ranking machinery.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_SOURCES = {
    "FeatureSelection": "selection",
    "LeakageFlag": "leakage",
    "RoutingPlan": "routing",
    "SelectionInputs": "inputs",
    "StagedJob": "plan",
    "TargetRoute": "routing",
    "TargetScore": "ranking",
    "auto_plan": "auto",
    "build_training_plan": "plan",
    "copy_flags": "leakage",
    "find_training_plan": "plan",
    "implausible_flags": "leakage",
    "leak_flags": "auto",
    "leakage_stage": "auto",
    "load_training_plan": "plan",
    "planned_targets": "plan",
    "rank_targets": "ranking",
    "route_target": "routing",
    "route_targets": "routing",
    "run_selection_stages": "auto",
    "score_target": "ranking",
    "select_features": "selection",
    "select_for_target": "auto",
    "selected_targets": "ranking",
    "selection_stages": "auto",
    "staged_jobs": "plan",
    "truncation_flags": "leakage",
    "write_ranking": "ranking",
    "write_routing_plan": "routing",
    "write_selection": "selection",
    "write_training_plan": "plan",
}
__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> Any:
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_SOURCES[name]}"), name)
    globals()[name] = value
    return value
