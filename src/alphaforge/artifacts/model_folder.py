"""The JSON side of a model folder: its card (``config.json``) and ``training_results.json``.

Every model folder the product writes carries the same card, whoever wrote it: a registry
version (``models/<name>/<version>/``, by `alphaforge train`), a tuning checkpoint
(``tuning/<study>/checkpoints/trial_<n>/`` and ``tuning/<study>/best_model/``, by
`alphaforge tune`) and the extended-CV best model (``cv/best_model/``, by `alphaforge cv`).
``stage`` says which; predict, backtest, ``models show`` and the report read the card the
same way whichever it is. A meta-model folder in the registry holds a
:class:`~alphaforge.artifacts.meta_folder.MetaModelCard` instead; :func:`read_card` tells
them apart.

Version 1 (files without ``schema``) had two shapes: the registry's, with ``target`` an
object, and the tuning checkpoints', with ``target`` a name, no ``created`` and the
checkpoint's provenance under ``source``. Both load as version 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from alphaforge.artifacts._base import Artifact, Part
from alphaforge.artifacts._json import read_json
from alphaforge.artifacts.meta_folder import MetaModelCard

CARD_FILE = "config.json"
RESULTS_FILE = "training_results.json"
Stage = Literal["train", "tuning", "extended_cv"]
"""Who wrote a model folder: `alphaforge train`, `alphaforge tune` or `alphaforge cv`."""


class TargetRef(Part):
    """The target a model predicts: its registered name, and its kind and parameters when known."""

    name: str
    kind: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class TimeRange(Part):
    """Inclusive ISO-8601 times: the sample times a model was trained on (and where its validation began)."""

    start: str
    end: str
    validation_start: str | None = None


class ModelCard(Artifact):
    """``config.json`` of a model folder: what predict and backtest need to use the model, and
    what reproduces it (see the module docstring).

    ``training_range`` is what the backtest refuses to overlap without walk-forward refits;
    ``provenance`` says where a checkpoint came from (study, trial, phase, score).
    """

    SCHEMA: ClassVar[str] = "alphaforge.model_card"
    VERSION: ClassVar[int] = 2
    WHAT: ClassVar[str] = "model card (config.json)"
    FIX: ClassVar[str] = "re-run the command that wrote this model folder (`alphaforge train`, `tune` or `cv`)"

    kind: Literal["model"] = "model"
    stage: Stage
    created: str
    family: str
    task: Literal["binary", "multiclass", "regression"]
    params: dict[str, Any]
    seed: int
    target: TargetRef
    features: list[str]
    symbols: list[str]
    scope: Literal["per_symbol", "cross_sectional"]
    training_range: TimeRange | None = None
    data_fingerprint: str
    feature_fingerprint: str | None = None
    best_iteration: int | None = None
    classes: list[float] | None = None
    panel: dict[str, Any] | None = None
    device: dict[str, Any] | None = None
    dataset: str | None = None
    macro: str | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    git_commit: str | None = None
    provenance: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def upgrade(cls, fields: dict[str, Any], version: int) -> dict[str, Any]:
        """Version 1 in either of its shapes (see the module docstring) as version 2; keys no
        version-2 card has are left out."""
        fields = {key: value for key, value in fields.items() if key in cls.model_fields or key == "source"}
        source = fields.pop("source", None) or {}
        if isinstance(fields.get("target"), str):
            fields["target"] = {"name": fields["target"]}
        fields.setdefault("stage", source.get("stage", "train"))
        fields.setdefault("created", "")
        fields.setdefault("provenance", {k: v for k, v in source.items() if k != "stage"})
        return fields


class TrainingResults(Artifact):
    """``training_results.json`` of a registry version: the split, the best iteration, the metrics
    per split and the verdicts (no times, so reruns compare equal)."""

    SCHEMA: ClassVar[str] = "alphaforge.training_results"
    WHAT: ClassVar[str] = "training results (training_results.json)"
    FIX: ClassVar[str] = "re-run `alphaforge train`; this model folder is incomplete"

    rows: int
    split: dict[str, Any]
    best_iteration: int | None = None
    metrics: dict[str, dict[str, Any]]
    verdicts: list[dict[str, Any]] = Field(default_factory=list)


def read_card(path: Path, *, fix: str | None = None) -> ModelCard | MetaModelCard:
    """The card at ``path`` (a model's or a meta-model's, told apart by ``kind``), checked."""
    data = read_json(path, fix=fix or ModelCard.FIX)
    owner = MetaModelCard if isinstance(data, dict) and data.get("kind") == MetaModelCard.KIND else ModelCard
    return owner.parse(data, where=str(path), fix=fix)
