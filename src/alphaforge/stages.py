"""Cached pipeline stages: a stage runs only when its key changes.

A stage's key is the sha256 of its name, its code version (the source of every module its code
can run, found by following its imports, see :func:`code_files`), its parameters and its
upstream stages' keys. After a stage finishes, its manifest (``stages/<name>.json``, a
:class:`~alphaforge.artifacts.StageManifest`: key, outputs with their sha256, summary) is written
last and atomically, so a crash or kill mid-stage leaves no manifest for the new key and the next
run simply runs that stage again. A stage is a cache hit when its manifest has the same key and
every output still exists with the recorded sha256.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alphaforge._version import __version__
from alphaforge.artifacts import StageManifest
from alphaforge.errors import InputError, MissingInputError
from alphaforge.progress import Progress
from alphaforge.workspace import Workspace, file_sha256

MANIFEST_DIR = "stages"


@dataclass
class StageContext:
    """What a running stage sees: the workspace, the run's one parsed configuration (the object its
    key was computed from), its parameters, upstream results, where to report progress, its own
    cache key (a stage whose outputs outlive a kill can recognise them by it) and whether it was
    forced (``--force-refresh``, ``--from``), which stages that cache parts of their work pass on;
    ``shared`` holds in-memory results the stages of one run may reuse (e.g. the training matrix
    the walk-forward and the final training both read), gone with the run."""

    workspace: Workspace
    params: dict[str, Any]
    upstream: dict[str, dict[str, Any]]
    config: Any = None
    progress: Progress | None = None
    key: str = ""
    force: bool = False
    shared: dict[str, Any] | None = None


@dataclass(frozen=True)
class StageResult:
    """A finished stage: the files it wrote (relative to the workspace) and a summary to print."""

    outputs: list[str]
    summary: dict[str, Any] = field(default_factory=dict)


CodeSeed = str | Callable[..., Any]
"""What a stage's code version starts from: a module or package name, or the function that runs it."""


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline.

    ``run`` does the work and returns a :class:`StageResult`; ``params`` picks what of the
    configuration affects the stage; ``code`` seeds its code version (:func:`code_version`):
    functions and module names whose source — and the source of every AlphaForge module they
    import, at the top or inside functions, transitively — decides the key. ``requires`` names
    upstream stages.
    """

    name: str
    run: Callable[[StageContext], StageResult]
    params: Callable[[Any], dict[str, Any]] = lambda config: {}
    code: tuple[CodeSeed, ...] = ()
    requires: tuple[str, ...] = ()
    description: str = ""


_PACKAGE_ROOT = Path(__file__).resolve().parent
_IMPORTS: dict[Path, tuple[float, frozenset[str]]] = {}


def _module_path(name: str) -> Path | None:
    """The source file of AlphaForge module (or package) ``name``, found without importing it."""
    parts = name.split(".")
    if parts[0] != _PACKAGE_ROOT.name:
        spec = importlib.util.find_spec(name) if name not in sys.modules else getattr(sys.modules[name], "__spec__", None)
        origin = Path(spec.origin) if spec is not None and spec.origin and spec.origin != "built-in" else None
        return origin if origin is not None and origin.suffix == ".py" else None
    base = _PACKAGE_ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(path: Path) -> frozenset[str]:
    """AlphaForge module names ``path`` imports anywhere (inside functions too), with submodules
    named in ``from package import module``; parsed once per file version."""
    stamp = path.stat().st_mtime
    held = _IMPORTS.get(path)
    if held is not None and held[0] == stamp:
        return held[1]
    package = _package_of(path)
    found = {name for node in ast.walk(ast.parse(path.read_bytes())) if isinstance(node, (ast.Import, ast.ImportFrom))
             for name in _names(node, package)}
    names = frozenset(n for n in found if n.split(".")[0] == _PACKAGE_ROOT.name and _module_path(n) is not None)
    _IMPORTS[path] = (stamp, names)
    return names


def _package_of(path: Path) -> str:
    parts = list(path.resolve().relative_to(_PACKAGE_ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1])


def _function_code(func: Callable[..., Any]) -> tuple[str, set[str]]:
    """The source of ``func`` and of the functions of its module it calls (by name, transitively),
    and the modules they import: the module's top-level imports and those inside the functions."""
    module = inspect.getmodule(func)
    source = inspect.getsource(module) if module is not None else ""
    tree = ast.parse(source)
    package = module.__name__ if module is not None and hasattr(module, "__path__") else \
        (module.__name__.rpartition(".")[0] if module is not None else "")
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    imports = {n for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
               for n in _names(node, package)}
    texts, todo, seen = [], [func.__name__], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        node = functions[name]
        texts.append(ast.get_source_segment(source, node) or name)
        for inner in ast.walk(node):
            if isinstance(inner, (ast.Import, ast.ImportFrom)):
                imports.update(_names(inner, package))
            elif isinstance(inner, ast.Name) and inner.id in functions:
                todo.append(inner.id)
    return "\n".join(texts), {n for n in imports if n.split(".")[0] == _PACKAGE_ROOT.name and _module_path(n)}


def _names(node: ast.Import | ast.ImportFrom, package: str) -> set[str]:
    """Module names an import statement names (submodules of ``from package import x`` too)."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    module = node.module or ""
    if node.level:
        parts = package.split(".")
        module = ".".join([*parts[: len(parts) - node.level + 1], *([module] if module else [])])
    return {module, *(f"{module}.{a.name}" for a in node.names)}


def code_files(seeds: Iterable[CodeSeed]) -> list[Path]:
    """Every source file the seeds' code can run: each seed module (every file of a seed
    package), and, transitively, every AlphaForge module those and the seed functions import —
    lazy imports inside functions included. A seed function's own module counts only through
    the functions it calls (:func:`_function_code`), so editing one stage's body in a module of
    several stages reruns that stage alone."""
    todo: list[Path] = []
    for seed in seeds:
        if callable(seed):
            todo.extend(p for name in _function_code(seed)[1] if (p := _module_path(name)) is not None)
        else:
            path = _module_path(seed)
            if path is not None:
                todo.extend(sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path])
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        todo.extend(p for name in _imported(path) if (p := _module_path(name)) is not None)
        if path.name != "__init__.py":  # importing a module runs its package's __init__ first
            init = path.parent / "__init__.py"
            if init.is_file() and _PACKAGE_ROOT in init.parents or init.parent == _PACKAGE_ROOT:
                todo.append(init)
    return sorted(seen)


def code_version(seeds: Iterable[CodeSeed]) -> str:
    """sha256 over the package version, the seed functions' own code and the source of
    :func:`code_files` of ``seeds``."""
    seeds = list(seeds)
    digest = hashlib.sha256(__version__.encode())
    for seed in seeds:
        if callable(seed):
            digest.update(_function_code(seed)[0].encode())
    for path in code_files(seeds):
        digest.update(str(path.relative_to(_PACKAGE_ROOT.parent) if _PACKAGE_ROOT.parent in path.parents
                          else path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stage_key(stage: Stage, params: Mapping[str, Any], upstream_keys: Mapping[str, str]) -> str:
    """The cache key of one stage run."""
    payload = json.dumps({"stage": stage.name, "code": code_version(stage.code), "params": params,
                          "upstream": dict(sorted(upstream_keys.items()))}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def manifest_path(workspace: Workspace, name: str) -> Path:
    return workspace.root / MANIFEST_DIR / f"{name}.json"


def read_manifest(workspace: Workspace, name: str) -> StageManifest | None:
    """The stage's last manifest, or None: never run, or a kill before it finished — or a manifest
    :class:`~alphaforge.artifacts.StageManifest` cannot use (damaged, of a newer version, or
    edited: its digest no longer matches), which, being a cache entry, is a miss: the stage runs
    again and rewrites it."""
    path = manifest_path(workspace, name)
    if not path.is_file():
        return None
    try:
        manifest = StageManifest.load(path)
    except InputError:
        return None
    return manifest if manifest.intact else None


def is_fresh(workspace: Workspace, manifest: StageManifest | None, key: str) -> bool:
    """True when ``manifest`` is for ``key`` and every output is still there, unchanged."""
    if manifest is None or manifest.key != key:
        return False
    for rel, digest in manifest.outputs.items():
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
    outputs: tuple[str, ...] = ()


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
               on_stage: Callable[[Stage, str], None] | None = None,
               progress: Progress | None = None) -> list[StageOutcome]:
    """Run ``stages`` in order, skipping cache hits.

    ``only`` runs just those stages (their upstream results must exist: otherwise the error names
    the stage to run first); ``start_from`` forces that stage and every later one; ``force``
    recomputes everything. ``on_stage(stage, status)`` reports progress ("running"/"cached").
    """
    names = [s.name for s in stages]
    shared: dict[str, Any] = {}
    for wanted in [*only, *([start_from] if start_from else [])]:
        if wanted not in names:
            raise InputError(f"unknown stage {wanted!r}", where="--only" if wanted in only else "--from",
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
            keys[stage.name] = manifest.key
            results[stage.name] = manifest.summary
            continue
        forced = force or position >= forced_from
        if not forced and is_fresh(workspace, manifest, key):
            assert manifest is not None
            results[stage.name] = manifest.summary
            outcomes.append(StageOutcome(stage.name, "cached", 0.0, results[stage.name], key,
                                         tuple(manifest.outputs)))
            if on_stage:
                on_stage(stage, "cached")
            continue
        if on_stage:
            on_stage(stage, "running")
        started = time.perf_counter()
        result = stage.run(StageContext(workspace, params, {r: results.get(r, {}) for r in stage.requires}, config,
                                        progress, key, forced, shared))
        seconds = time.perf_counter() - started
        StageManifest(stage=stage.name, key=key, params=params, finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                      seconds=seconds, outputs=_output_digests(workspace, result.outputs),
                      summary=result.summary).sealed().save(manifest_path(workspace, stage.name))
        results[stage.name] = result.summary
        outcomes.append(StageOutcome(stage.name, "ran", seconds, result.summary, key, tuple(result.outputs)))
    return outcomes
