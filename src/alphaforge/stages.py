"""Cached pipeline stages: a stage runs only when its key changes.

A stage's key is the sha256 of its name, its code version (the source of the modules it
declares), its parameters and its upstream stages' keys. After a stage finishes, its manifest
(``stages/<name>.json``: key, outputs with their sha256, summary) is written last and
atomically, so a crash or kill mid-stage leaves no manifest for the new key and the next run
simply runs that stage again. A stage is a cache hit when its manifest has the same key and
every output still exists with the recorded sha256.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alphaforge._version import __version__
from alphaforge.errors import InputError, MissingInputError
from alphaforge.workspace import Workspace, atomic_write_json, file_sha256

MANIFEST_DIR = "stages"


@dataclass
class StageContext:
    """What a running stage sees: the workspace, its parameters and upstream results."""

    workspace: Workspace
    params: dict[str, Any]
    upstream: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class StageResult:
    """A finished stage: the files it wrote (relative to the workspace) and a summary to print."""

    outputs: list[str]
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline.

    ``run`` does the work and returns a :class:`StageResult`; ``params`` picks what of the
    configuration affects the stage; ``code`` names the modules whose source versions it.
    ``requires`` names upstream stages.
    """

    name: str
    run: Callable[[StageContext], StageResult]
    params: Callable[[Any], dict[str, Any]] = lambda config: {}
    code: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    description: str = ""


def _module_sources(module_name: str) -> list[Path]:
    """Source files of a module or package, found without importing it (a cached run stays fast)."""
    spec = importlib.util.find_spec(module_name)
    origin = Path(spec.origin) if spec is not None and spec.origin else Path()
    if origin.name == "__init__.py":
        return sorted(origin.parent.rglob("*.py"))
    return [origin] if origin.is_file() else []


def code_version(modules: Iterable[str]) -> str:
    """sha256 over the package version and the source of ``modules`` (packages include every file)."""
    digest = hashlib.sha256(__version__.encode())
    for name in sorted(modules):
        for path in _module_sources(name):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def stage_key(stage: Stage, params: Mapping[str, Any], upstream_keys: Mapping[str, str]) -> str:
    """The cache key of one stage run."""
    payload = json.dumps({"stage": stage.name, "code": code_version(stage.code), "params": params,
                          "upstream": dict(sorted(upstream_keys.items()))}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def manifest_path(workspace: Workspace, name: str) -> Path:
    return workspace.root / MANIFEST_DIR / f"{name}.json"


def read_manifest(workspace: Workspace, name: str) -> dict[str, Any] | None:
    """The stage's last manifest, or None (never run, or a kill before it finished)."""
    path = manifest_path(workspace, name)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


def is_fresh(workspace: Workspace, manifest: Mapping[str, Any] | None, key: str) -> bool:
    """True when ``manifest`` is for ``key`` and every output is still there, unchanged."""
    if manifest is None or manifest.get("key") != key:
        return False
    for rel, digest in manifest.get("outputs", {}).items():
        path = workspace.root / rel
        if not path.is_file() or file_sha256(path) != digest:
            return False
    return True


@dataclass
class StageOutcome:
    """What happened to one stage in a run."""

    name: str
    status: str  # "ran" | "cached" | "skipped"
    seconds: float
    summary: dict[str, Any]
    key: str


def _output_digests(workspace: Workspace, outputs: Iterable[str]) -> dict[str, str]:
    digests = {}
    for rel in outputs:
        path = workspace.root / rel
        if not path.is_file():
            raise InputError(f"stage output {rel} was not written", where=str(path),
                             fix="this is a bug in the stage; run again with --force-refresh")
        digests[rel] = file_sha256(path)
    return digests


def run_stages(workspace: Workspace, config: Any, stages: list[Stage], *, only: Iterable[str] = (),
               start_from: str | None = None, force: bool = False,
               on_stage: Callable[[Stage, str], None] | None = None) -> list[StageOutcome]:
    """Run ``stages`` in order, skipping cache hits.

    ``only`` runs just those stages (their upstream results must exist: otherwise the error names
    the stage to run first); ``start_from`` forces that stage and every later one; ``force``
    recomputes everything. ``on_stage(stage, status)`` reports progress ("running"/"cached").
    """
    names = [s.name for s in stages]
    for wanted in [*only, *([start_from] if start_from else [])]:
        if wanted not in names:
            raise InputError(f"unknown stage {wanted!r}", where="--only" if wanted in only else "--start-from",
                             fix=f"stages are: {', '.join(names)}")
    only = set(only)
    forced_from = names.index(start_from) if start_from else len(names)
    keys: dict[str, str] = {}
    results: dict[str, dict[str, Any]] = {}
    outcomes: list[StageOutcome] = []
    for position, stage in enumerate(stages):
        params = stage.params(config)
        key = stage_key(stage, params, {r: keys[r] for r in stage.requires if r in keys})
        keys[stage.name] = key
        manifest = read_manifest(workspace, stage.name)
        if only and stage.name not in only:
            if manifest is None:
                if any(stage.name in s.requires for s in stages if s.name in only):
                    raise MissingInputError(f"stage '{stage.name}' has not run yet, so its output is missing",
                                            where=str(workspace.root),
                                            fix=f"run `alphaforge run --only {stage.name}` (or a full "
                                                "`alphaforge run`) first")
                continue
            keys[stage.name] = manifest["key"]
            results[stage.name] = manifest.get("summary", {})
            continue
        if not force and position < forced_from and is_fresh(workspace, manifest, key):
            assert manifest is not None
            results[stage.name] = manifest.get("summary", {})
            outcomes.append(StageOutcome(stage.name, "cached", 0.0, results[stage.name], key))
            if on_stage:
                on_stage(stage, "cached")
            continue
        if on_stage:
            on_stage(stage, "running")
        started = time.perf_counter()
        result = stage.run(StageContext(workspace, params, {r: results.get(r, {}) for r in stage.requires}))
        seconds = time.perf_counter() - started
        atomic_write_json(manifest_path(workspace, stage.name), {
            "stage": stage.name, "key": key, "params": params, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": seconds, "outputs": _output_digests(workspace, result.outputs), "summary": result.summary,
        })
        results[stage.name] = result.summary
        outcomes.append(StageOutcome(stage.name, "ran", seconds, result.summary, key))
    return outcomes
