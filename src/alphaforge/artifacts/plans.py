"""The plans of `alphaforge plan`: ``plans/routing_plan/routing_plan.json`` (per target, which
symbols a pooled model serves and which get their own) and
``plans/training_plan/master_training_plan.json`` (the jobs `alphaforge train` runs).

The selection code builds and reads them as plain data (:meth:`Artifact.document`); these
owners check that data on the way to disk and back.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from alphaforge.artifacts._base import Artifact, Part

REPLAN = "re-create it with `alphaforge plan --force-refresh`"


class SymbolList(Part):
    symbols: list[str]


class SymbolDecision(Part):
    decision: str
    reason: str


class Route(Part):
    """One target's route: ``cross_sectional``, ``symbol_specific`` or ``both``, with each symbol's decision."""

    route: Literal["cross_sectional", "symbol_specific", "both"]
    reason: str
    pooled_skill: float
    cross_sectional: SymbolList
    symbol_specific: SymbolList
    symbols: dict[str, SymbolDecision]


class RoutingPlanFile(Artifact):
    """``routing_plan.json``: every target's :class:`Route`."""

    SCHEMA: ClassVar[str] = "alphaforge.routing_plan"
    WHAT: ClassVar[str] = "routing plan"
    FIX: ClassVar[str] = REPLAN

    targets: dict[str, Route]


class PlanJob(Part):
    """One model to train: a target, its training type and symbols, features and families by device stage."""

    job_id: str
    target: str
    training_type: Literal["cross_sectional", "symbol_specific"]
    symbols: list[str]
    features: list[str]
    model_families: list[str]
    stages: dict[Literal["cpu", "gpu"], list[str]]
    route_reason: str = ""


class TrainingPlanFile(Artifact):
    """``master_training_plan.json`` (and its mirror ``training_plan.json``): the jobs, the families
    per device stage, a count of jobs per training type, and what the plan was made from."""

    SCHEMA: ClassVar[str] = "alphaforge.training_plan"
    WHAT: ClassVar[str] = "training plan"
    FIX: ClassVar[str] = REPLAN

    created_from: dict[str, Any] = Field(default_factory=dict)
    targets: list[str]
    model_families: dict[Literal["cpu", "gpu"], list[str]]
    summary: dict[str, int]
    jobs: list[PlanJob]
