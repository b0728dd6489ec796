"""``cv/walk_forward/<target>-<family>/folds.json``: the walk-forward refits' fold table and the
out-of-sample evaluation (tear sheets beside the baselines, verdicts), which the backtest trades
and the report shows. The predictions themselves are ``predictions.parquet`` beside it."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from alphaforge.artifacts._base import Artifact


class WalkForwardFolds(Artifact):
    """``folds.json`` (see the module docstring)."""

    SCHEMA: ClassVar[str] = "alphaforge.walk_forward_folds"
    WHAT: ClassVar[str] = "walk-forward fold summary"
    FIX: ClassVar[str] = ("re-run the walk-forward: `alphaforge run` (a changed folds.json reruns it), or delete "
                          "this folder and run `alphaforge backtest`")

    target: str
    family: str
    task: str
    rows: int
    features: int
    panel: dict[str, Any]
    folds: list[dict[str, Any]]
    summary: dict[str, Any]
    evaluation: dict[str, Any]
    data_fingerprint: str
    notices: list[str] = Field(default_factory=list)
