"""The JSON side of a meta-model folder (written by `alphaforge meta train`, read by
``backtest --meta-model``): its card (``config.json``) and ``training_results.json``."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from alphaforge.artifacts._base import Artifact, Part

RETRAIN = "retrain with `alphaforge meta train`"


class StrategyRef(Part):
    """The base strategy whose signals the meta-model judges: its name and parameters."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class MetaLabel(Part):
    """How a signal's outcome was labelled: bars held, the success threshold, the label rule."""

    horizon: int
    threshold: float
    label_type: str


class MetaRange(Part):
    """First sample time and last label end time of the meta-model's training events (ISO-8601)."""

    start: str
    end: str


class MetaModelCard(Artifact):
    """``config.json`` of a meta-model folder: the base strategy, the label, the recipe (family,
    calibration, folds), the ordered features and ``trained_until`` (the walk-forward refits
    start after it), and what the events came from (dataset or dataset file, symbols, frequency)."""

    SCHEMA: ClassVar[str] = "alphaforge.meta_model_card"
    WHAT: ClassVar[str] = "meta-model card (config.json)"
    FIX: ClassVar[str] = RETRAIN
    KIND: ClassVar[str] = "meta"

    kind: Literal["meta"]
    strategy: StrategyRef
    label: MetaLabel
    recipe: dict[str, Any]
    features: list[str]
    trained_until: str
    created: str
    training_range: MetaRange
    freq: str | None = None
    dataset: str | None = None
    dataset_path: str | None = None
    symbols: list[str] | None = None


class MetaTrainingResults(Artifact):
    """``training_results.json`` of a meta-model folder: the pooled out-of-fold metrics and the fold table."""

    SCHEMA: ClassVar[str] = "alphaforge.meta_training_results"
    WHAT: ClassVar[str] = "meta-model training results (training_results.json)"
    FIX: ClassVar[str] = RETRAIN

    metrics: dict[str, Any]
    folds: list[dict[str, Any]]
