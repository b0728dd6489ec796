"""The tuned configuration (``analysis/best_config.json``, written by `alphaforge analyze`) as
training reads it, and finding it in a workspace.

The file (owned by :class:`alphaforge.artifacts.BestConfig`) may set ``family``, ``params`` (the
family's hyperparameters), ``target``, ``features`` (the ordered feature columns) and
``symbols``; its other keys (task, scores, provenance) are for people. When it is present and
made for the configured target (``[models] target``), walk-forward, train and, through them,
predict and backtest use it, and say so; a file for another target is ignored with a notice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alphaforge.artifacts import BestConfig
from alphaforge.config import Config
from alphaforge.workspace import Workspace

BEST_CONFIG_PATH = Path("analysis") / "best_config.json"


def read_best_config(path: Path) -> dict[str, Any]:
    """The training settings in a ``best_config.json``, read and checked by its owner
    (:class:`~alphaforge.artifacts.BestConfig`, which also says what is wrong with a bad file)."""
    return BestConfig.load(path).settings()


@dataclass(frozen=True)
class TunedConfig:
    """A best_config.json in use: where it is, its training settings, its sha256 (cache keys)."""

    path: Path
    settings: dict[str, Any]
    sha256: str

    def describe(self) -> str:
        """One line for the run's output: which family, for which target, from where."""
        family = self.settings.get("family", "the configured family")
        return f"using the tuned {family} parameters of {self.path.name} (for {self.settings.get('target', 'any target')})"


def find_tuned(workspace: Workspace, config: Config) -> tuple[TunedConfig | None, list[str]]:
    """The workspace's tuned configuration when it is for ``[models] target``, and notices."""
    path = workspace.root / BEST_CONFIG_PATH
    if not path.is_file():
        return None, []
    settings = read_best_config(path)
    target = settings.get("target")
    if target is not None and target != config.models.target:
        return None, [f"{BEST_CONFIG_PATH} is for target {target}, not [models] target {config.models.target}: "
                      "not used (pass `train --config` to use it)"]
    tuned = TunedConfig(path, settings, hashlib.sha256(path.read_bytes()).hexdigest())
    return tuned, [tuned.describe()]
