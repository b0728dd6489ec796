"""Is the store still what a fill would produce now? The cheap checks, without re-reading the data.

A fill records the raw dataset versions, the config sections that select the data and
features, each feature's code fingerprint and the target code version. Training refuses a
store that no longer matches (new data imported, config or feature code changed) instead of
silently training on stale rows; a refill fixes it and keeps held-out setups out.
"""

from __future__ import annotations

from typing import Any

from alphaforge.config import Config
from alphaforge.data.datasets import raw_store
from alphaforge.errors import MissingInputError
from alphaforge.features import REGISTRY
from alphaforge.features.cache import feature_fingerprint
from alphaforge.targets.registry import code_version
from alphaforge.workspace import Workspace


def fill_inputs(workspace: Workspace, config: Config) -> dict[str, Any]:
    """What the store's contents depend on, besides the feature fingerprints (recorded apart)."""
    store = raw_store(workspace)
    names = [n for n in (config.data.dataset, config.data.macro) if n]
    return {"raw_versions": {n: store.current(n).version for n in names if n in store.names()},
            "data": config.data.model_dump(), "macro": config.macro.model_dump(),
            "features": config.features.model_dump(), "target_code": code_version()}


def stale_reasons(workspace: Workspace, meta: dict[str, Any], config: Config | None = None) -> list[str]:
    """Why the store no longer matches a fill made now (empty when it does)."""
    config = config or workspace.config()
    recorded, now = meta.get("inputs", {}), fill_inputs(workspace, config)
    reasons = [f"{key.replace('_', ' ')} changed since the fill" for key in now if recorded.get(key) != now[key]]
    changed = [name for name, fingerprint in meta.get("sources", {}).get("features", {}).items()
               if name not in REGISTRY or feature_fingerprint(REGISTRY.get(name)) != fingerprint]
    if changed:
        reasons.append(f"feature code changed: {', '.join(changed[:6])}" + (" …" if len(changed) > 6 else ""))
    return reasons


def check_fresh(workspace: Workspace, meta: dict[str, Any], config: Config | None = None) -> None:
    """Refuse a stale store, naming what changed and the commands that bring it up to date."""
    reasons = stale_reasons(workspace, meta, config)
    if reasons:
        raise MissingInputError(f"the store is out of date ({'; '.join(reasons)})", where=str(workspace.store_path),
                                fix="run `alphaforge features build`, `alphaforge targets build ...` and "
                                    "`alphaforge store fill` (held-out setups stay held out)")
