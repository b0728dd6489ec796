"""``stages/<stage>.json``: the manifest a cached stage writes last, when it finished.

It records the stage's cache key, its parameters, the sha256 of every output (relative to
the workspace) and the summary later stages and the CLI read instead of rerunning it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from alphaforge.artifacts._base import Artifact


class StageManifest(Artifact):
    """One finished stage (see the module docstring)."""

    SCHEMA: ClassVar[str] = "alphaforge.stage_manifest"
    WHAT: ClassVar[str] = "stage manifest"
    FIX: ClassVar[str] = "run the stage again: `alphaforge run` (with --force-refresh to rerun every stage)"

    stage: str
    key: str
    params: dict[str, Any]
    finished: str
    seconds: float
    outputs: dict[str, str]
    summary: dict[str, Any] = Field(default_factory=dict)
