"""The tuned configuration (``analysis/best_config.json``, written by `alphaforge analyze`) as
training reads it, and finding it in a workspace.

The file may set ``family``, ``params`` (the family's hyperparameters), ``target``,
``features`` (the ordered feature columns) and ``symbols``; its other keys (task, scores,
provenance) are for people. When it is present and made for the configured target
(``[models] target``), walk-forward, train and, through them, predict and backtest use it,
and say so; a file for another target is ignored with a notice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alphaforge.config import Config
from alphaforge.errors import InputError
from alphaforge.workspace import Workspace

BEST_CONFIG_PATH = Path("analysis") / "best_config.json"
BEST_CONFIG_KEYS = ("family", "params", "target", "features", "symbols")


def read_best_config(path: Path) -> dict[str, Any]:
    """The training settings in a ``best_config.json`` (see the module docstring)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", where=str(path),
                         fix="run `alphaforge analyze` to write analysis/best_config.json, or fix the path") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc}", where=str(path), fix="fix the file or re-run `alphaforge analyze`"
                         ) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", where=str(path), fix='use {"family": ..., "params": {...}}')
    if not isinstance(data.get("params", {}), dict):
        raise InputError("'params' must be an object of hyperparameters", where=f"{path}: params",
                         fix='e.g. "params": {"learning_rate": 0.03, "num_leaves": 63}')
    for key in ("features", "symbols"):
        names = data.get(key)
        if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
            raise InputError(f"'{key}' must be a list of names", where=f"{path}: {key}",
                             fix='e.g. "features": ["px_ret_6", "ta_rsi_14"], "symbols": ["AAPL", "MSFT"]')
    settings = {key: data[key] for key in BEST_CONFIG_KEYS if key in data}
    if not settings:
        raise InputError(f"holds none of the training settings {', '.join(BEST_CONFIG_KEYS)}", where=str(path),
                         fix="pass the analysis/best_config.json `alphaforge analyze` wrote, or set at least "
                             '"family" and "params"')
    return settings


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
