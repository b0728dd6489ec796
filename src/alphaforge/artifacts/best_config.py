"""``analysis/best_config.json``: the configuration `alphaforge analyze` picked, which training reads.

The training settings are ``family``, ``params`` (the family's hyperparameters), ``target``,
``features`` (ordered feature columns) and ``symbols``; the rest (task, metric, selection
rule, provenance, the comparison, the deflated Sharpe ratio, plots) is for people. People
also write such files by hand for ``train --config``: every field may be left out, keys of
their own are ignored, but at least one training setting must be there.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import ConfigDict, model_validator

from alphaforge.artifacts._base import Artifact

TRAINING_SETTINGS = ("family", "params", "target", "features", "symbols")


class BestConfig(Artifact):
    """The tuned configuration (see the module docstring)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    SCHEMA: ClassVar[str] = "alphaforge.best_config"
    WHAT: ClassVar[str] = "best configuration (best_config.json)"
    FIX: ClassVar[str] = "run `alphaforge analyze` to write analysis/best_config.json, or fix the file"

    family: str | None = None
    params: dict[str, Any] | None = None
    target: str | None = None
    features: list[str] | None = None
    symbols: list[str] | None = None
    task: str | None = None
    seed: int | None = None
    metric: str | None = None
    direction: str | None = None
    selection_rule: str | None = None
    provenance: dict[str, Any] | None = None
    comparison: list[dict[str, Any]] | None = None
    deflated_sharpe: dict[str, Any] | None = None
    plots: list[str] | None = None

    @model_validator(mode="after")
    def _has_a_setting(self) -> Self:
        if not self.settings():
            raise ValueError(f"holds none of the training settings {', '.join(TRAINING_SETTINGS)}; set at least "
                             '"family" and "params"')
        return self

    def settings(self) -> dict[str, Any]:
        """The training settings the file sets (the keys of :data:`TRAINING_SETTINGS` present)."""
        return {key: getattr(self, key) for key in TRAINING_SETTINGS if getattr(self, key) is not None}

    def to_dict(self) -> dict[str, Any]:
        """The fields the file sets (a hand-written file's absent ones stay absent)."""
        return self.model_dump(exclude_unset=True)
