"""Throw-away workspaces for the benchmarks (scripts run as `python bench/NAME.py`, so this folder is importable)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alphaforge.config import Config, render_config
from alphaforge.workspace import Workspace, atomic_write_text


def configure(workspace: Workspace, **sections: dict[str, Any]) -> None:
    """Rewrite the workspace's config with ``section={key: value, ...}`` changes, validated and
    rendered like `alphaforge init` writes it."""
    data = workspace.config().model_dump()
    for name, values in sections.items():
        data[name] = {**data[name], **values}
    atomic_write_text(workspace.config_path, render_config(Config.model_validate(data)))


def synthetic_workspace(root: Path, **sections: dict[str, Any]) -> Workspace:
    """A new workspace reading the synthetic dataset (no macro series), with ``sections`` changed too."""
    workspace = Workspace.create(root)
    data = {"dataset": "synth", "macro": "", **sections.pop("data", {})}
    configure(workspace, data=data, **sections)
    return workspace
