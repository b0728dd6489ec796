"""Cached pipeline stages: a stage runs only when its key changes.

A stage's key is the sha256 of its name, its code version (the source of every module its code
can run, found by following its imports, see :func:`code_files`), its parameters and its
upstream stages' keys. After a stage finishes, its manifest (``stages/<name>.json``, a
:class:`~alphaforge.artifacts.StageManifest`: key, outputs with their sha256, summary) is written
last and atomically, so a crash or kill mid-stage leaves no manifest for the new key and the next
run simply runs that stage again. A stage is a cache hit when its manifest has the same key and
every output still exists with the recorded sha256.

Checking that sha256 need not read the output again when the file was not written since it was
last hashed: ``stages/.verified.json`` (:class:`~alphaforge.artifacts.verified.VerifiedOutputs`)
keeps each output's sha256 with the size and modification time it had then, and an output whose
size and time are unchanged, and older than that record (git's rule for "racily clean" files: a
write in the same clock tick as the record could keep the time), counts as unchanged; any other
is hashed again. So a cached run costs the same whatever the size of the outputs. A file
rewritten in place with its size and time restored (a deliberate ``touch -d``, bit rot) passes
until it is hashed again, as with make or git; ``--force-refresh`` recomputes everything.
Code versions are remembered the same way (``stages/.code_versions.json``): a stage's code
version is recomputed (every source file it can run parsed for its imports, and hashed) only
when one of those files changed since; a cached run only looks at their sizes and times.
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
from alphaforge.artifacts.verified import (
    CodeVersion,
    CodeVersions,
    FileStamp,
    SourceStamp,
    VerifiedOutputs,
)
from alphaforge.errors import InputError, MissingInputError
from alphaforge.heap import release_unused
from alphaforge.progress import Progress
from alphaforge.workspace import Workspace, as_written_json, file_sha256

MANIFEST_DIR = "stages"
VERIFIED_FILE = ".verified.json"  # a dot: no stage's manifest can be named so
CODE_VERSIONS_FILE = ".code_versions.json"


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


def stage_key(stage: Stage, params: Mapping[str, Any], upstream_keys: Mapping[str, str], *,
              code: str | None = None) -> str:
    """The cache key of one stage run; ``code`` is its :func:`code_version` when already known."""
    payload = json.dumps({"stage": stage.name, "code": code or code_version(stage.code), "params": params,
                          "upstream": dict(sorted(upstream_keys.items()))}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _seed_id(seed: CodeSeed) -> str:
    if callable(seed):
        code = getattr(seed, "__code__", None)
        return f"{seed.__module__}:{seed.__qualname__}:{code.co_firstlineno if code else ''}"
    return seed


def _unchanged(path: Path, size: int, mtime_ns: int, taken_ns: int) -> bool:
    """Whether ``path`` still has the size and modification time recorded for it, and was last
    written before the record was (``taken_ns``, the record file's own time: a write in the
    same clock tick could keep the time, so such a file counts as changed)."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return stat.st_size == size and stat.st_mtime_ns == mtime_ns < taken_ns


class _CodeVersions:
    """:func:`code_version` of each stage's seeds, remembered in ``stages/.code_versions.json`` with
    the size and time of every file it was computed from (see the module docstring)."""

    def __init__(self, workspace: Workspace) -> None:
        self.path = workspace.root / MANIFEST_DIR / CODE_VERSIONS_FILE
        try:
            self.recorded = dict(CodeVersions.load(self.path).versions)
            self.taken_ns = self.path.stat().st_mtime_ns
        except (InputError, MissingInputError, OSError):
            self.recorded, self.taken_ns = {}, 0
        self.changed = False

    def of(self, seeds: tuple[CodeSeed, ...]) -> str:
        """The code version of ``seeds``: the recorded one while none of its files changed."""
        name = json.dumps([__version__, *(_seed_id(seed) for seed in seeds)])
        entry = self.recorded.get(name)
        if entry is not None and entry.files and all(_unchanged(Path(file), stamp.size, stamp.mtime_ns, self.taken_ns)
                                                     for file, stamp in entry.files.items()):
            return entry.code
        files = [*code_files(seeds), *(Path(inspect.getfile(seed)) for seed in seeds if callable(seed))]
        stamps = {str(path): SourceStamp(size=(stat := path.stat()).st_size, mtime_ns=stat.st_mtime_ns)
                  for path in files}
        version = code_version(seeds)
        self.recorded[name] = CodeVersion(code=version, files=stamps)
        self.changed = True
        return version

    def save(self) -> None:
        """Write the record when a version was computed (a workspace that cannot be written keeps none)."""
        if self.changed:
            try:
                CodeVersions(versions=self.recorded).save(self.path)
            except OSError:
                pass
            self.changed = False


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


class _Stamps:
    """The outputs' stamps of ``stages/.verified.json`` (see the module docstring), read once per run."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.path = workspace.root / MANIFEST_DIR / VERIFIED_FILE
        try:
            self.recorded = VerifiedOutputs.load(self.path).files
            self.taken_ns = self.path.stat().st_mtime_ns
        except (InputError, MissingInputError, OSError):
            self.recorded, self.taken_ns = {}, 0
        self.fresh: dict[str, FileStamp] = {}

    def digest(self, rel: str, expected: str | None = None) -> str | None:
        """The sha256 of output ``rel`` (None when it is missing): ``expected`` without reading the
        file when its stamp says it was not written since it was hashed as that, else hashed now."""
        path = self.workspace.root / rel
        stamp = self.recorded.get(rel)
        if (expected is not None and stamp is not None and stamp.sha256 == expected
                and _unchanged(path, stamp.size, stamp.mtime_ns, self.taken_ns)):
            return expected
        try:
            before = path.stat()
        except OSError:
            return None
        digest = file_sha256(path)
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns):  # not written while hashed
            self.fresh[rel] = FileStamp(sha256=digest, size=after.st_size, mtime_ns=after.st_mtime_ns)
        return digest

    def save(self) -> None:
        """Record the stamps taken since the record was read (none: nothing is written)."""
        if self.fresh:
            VerifiedOutputs(files={**self.recorded, **self.fresh}).save(self.path)
            self.recorded, self.fresh = {**self.recorded, **self.fresh}, {}
            self.taken_ns = self.path.stat().st_mtime_ns


def is_fresh(workspace: Workspace, manifest: StageManifest | None, key: str, stamps: _Stamps | None = None) -> bool:
    """True when ``manifest`` is for ``key`` and every output is still there, unchanged (hashed
    unless ``stamps`` show it was not written since it was hashed)."""
    if manifest is None or manifest.key != key:
        return False
    stamps = stamps or _Stamps(workspace)
    return all(stamps.digest(rel, digest) == digest for rel, digest in manifest.outputs.items())


@dataclass
class StageOutcome:
    """What happened to one stage in a run."""

    name: str
    status: str  # "ran" | "cached" | "skipped"
    seconds: float
    summary: dict[str, Any]
    key: str
    outputs: tuple[str, ...] = ()


def _output_digests(workspace: Workspace, outputs: Iterable[str], stamps: _Stamps) -> dict[str, str]:
    digests = {}
    for rel in outputs:
        path = workspace.root / rel
        digest = stamps.digest(rel) if path.is_file() else None
        if digest is None:
            raise InputError(f"stage output {rel} was not written", where=str(path),
                             fix="this is a bug in the stage; run again with --force-refresh")
        digests[rel] = digest
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
    stamps, versions = _Stamps(workspace), _CodeVersions(workspace)
    for position, stage in enumerate(stages):
        params = stage.params(config)
        key = stage_key(stage, params, {r: keys[r] for r in stage.requires if r in keys},
                        code=versions.of(stage.code))
        versions.save()
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
        fresh = not forced and is_fresh(workspace, manifest, key, stamps)
        stamps.save()  # the outputs just hashed, if any
        if fresh:
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
        release_unused()  # what the stage freed, before the next stage's peak comes on top of it
        # the summary as the file holds it: sealed with a pd.Timestamp in it (predict's latest
        # signals), the digest never matched the manifest read back, and the stage reran every run
        StageManifest(stage=stage.name, key=key, params=params, finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                      seconds=seconds, outputs=_output_digests(workspace, result.outputs, stamps),
                      summary=as_written_json(result.summary)).sealed().save(manifest_path(workspace, stage.name))
        stamps.save()
        results[stage.name] = result.summary
        outcomes.append(StageOutcome(stage.name, "ran", seconds, result.summary, key, tuple(result.outputs)))
    return outcomes
