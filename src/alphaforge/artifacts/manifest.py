"""``stages/<stage>.json``: the manifest a cached stage writes last, when it finished.

It records the stage's cache key, its parameters, the sha256 of every output (relative to
the workspace) and the summary later stages and the CLI read instead of rerunning it — and a
``digest`` of all that, so a manifest edited by hand (a ``sharpe`` typed into its summary) no
longer matches itself and is a cache miss rather than a claim the outputs do not back.
"""

from __future__ import annotations

import hashlib
import json
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
    digest: str = ""

    def content_digest(self) -> str:
        """sha256 over every field but ``digest`` (canonical JSON)."""
        fields = {k: v for k, v in self.model_dump(mode="json").items() if k != "digest"}
        return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()

    def sealed(self) -> StageManifest:
        """This manifest with its ``digest`` set (what the stage engine writes)."""
        return self.model_copy(update={"digest": self.content_digest()})

    @property
    def intact(self) -> bool:
        """True when the manifest is what the engine wrote: its digest matches its content."""
        return bool(self.digest) and self.digest == self.content_digest()
