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
its reference sample beside it); a pending background chart job (:class:`ChartJob`).

This package sits low (it imports only config, workspace and errors), so every stage package
and the prediction path can read artifacts without importing each other.
"""

from alphaforge.lazy import lazy_exports

_OWNERS = {
    "Artifact": "_base", "read_json": "_json", "TRAINING_SETTINGS": "best_config", "BestConfig": "best_config",
    "StageManifest": "manifest", "MetaModelCard": "meta_folder", "MetaTrainingResults": "meta_folder",
    "CARD_FILE": "model_folder", "RESULTS_FILE": "model_folder", "ModelCard": "model_folder",
    "TargetRef": "model_folder", "TimeRange": "model_folder", "TrainingResults": "model_folder",
    "read_card": "model_folder", "LiveState": "live", "GATE_DIR": "novelty", "NoveltyGateFile": "novelty",
    "RoutingPlanFile": "plans", "TrainingPlanFile": "plans", "ExtendedResults": "tuning_results",
    "TrialResults": "tuning_results", "CodeVersions": "verified", "VerifiedOutputs": "verified",
    "VerifiedParquet": "verified", "WalkForwardFolds": "walk_forward", "ChartJob": "chart_job"}
"""Each public name -> the module that owns it, imported on first use: `alphaforge predict` reads
a model card and nothing else here, and the other owners' pydantic models took 30-40 ms to build."""

__getattr__ = lazy_exports(__name__, _OWNERS, globals())


__all__ = [
    "CARD_FILE",
    "GATE_DIR",
    "RESULTS_FILE",
    "TRAINING_SETTINGS",
    "Artifact",
    "BestConfig",
    "ChartJob",
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
