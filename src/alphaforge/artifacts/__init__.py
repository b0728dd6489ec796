"""One typed owner per on-disk JSON schema: it saves the file, loads it back and says clearly
what is wrong with a file it cannot use.

Every owner is an :class:`Artifact`: the file records ``schema`` (``alphaforge.<name>/<version>``);
loading refuses a damaged or non-UTF-8 file, another schema, a newer version or a missing
field with an :class:`~alphaforge.errors.InputError` naming the file and the command that
rebuilds it, and reads files written before versions were recorded as version 1.
:func:`read_json` is that friendly read for JSON files without an owner here.

The owners: the model card of every model folder (:class:`ModelCard`, with
:class:`TrainingResults`) and of a meta-model folder (:class:`MetaModelCard`,
:class:`MetaTrainingResults`), told apart by :func:`read_card`; the tuned configuration
(:class:`BestConfig`); stage manifests (:class:`StageManifest`); the plans
(:class:`RoutingPlanFile`, :class:`TrainingPlanFile`); the outputs of tuning and extended CV
(:class:`TrialResults`, :class:`ExtendedResults`); the walk-forward folds
(:class:`WalkForwardFolds`); the novelty gate saved with a model (:class:`NoveltyGateFile`, with
its reference sample beside it).

This package sits low (it imports only config, workspace and errors), so every stage package
and the prediction path can read artifacts without importing each other.
"""

from alphaforge.artifacts._base import Artifact
from alphaforge.artifacts._json import read_json
from alphaforge.artifacts.best_config import TRAINING_SETTINGS, BestConfig
from alphaforge.artifacts.manifest import StageManifest
from alphaforge.artifacts.meta_folder import MetaModelCard, MetaTrainingResults
from alphaforge.artifacts.model_folder import (
    CARD_FILE,
    RESULTS_FILE,
    ModelCard,
    TargetRef,
    TimeRange,
    TrainingResults,
    read_card,
)
from alphaforge.artifacts.live import LiveState
from alphaforge.artifacts.novelty import GATE_DIR, NoveltyGateFile
from alphaforge.artifacts.plans import RoutingPlanFile, TrainingPlanFile
from alphaforge.artifacts.tuning_results import ExtendedResults, TrialResults
from alphaforge.artifacts.verified import CodeVersions, VerifiedOutputs, VerifiedParquet
from alphaforge.artifacts.walk_forward import WalkForwardFolds

__all__ = [
    "CARD_FILE",
    "GATE_DIR",
    "RESULTS_FILE",
    "TRAINING_SETTINGS",
    "Artifact",
    "BestConfig",
    "CodeVersions",
    "ExtendedResults",
    "LiveState",
    "MetaModelCard",
    "MetaTrainingResults",
    "ModelCard",
    "NoveltyGateFile",
    "RoutingPlanFile",
    "StageManifest",
    "TargetRef",
    "TimeRange",
    "TrainingPlanFile",
    "TrainingResults",
    "TrialResults",
    "VerifiedOutputs",
    "VerifiedParquet",
    "WalkForwardFolds",
    "read_card",
    "read_json",
]
