"""Architecture rules: training-only code cannot reach live prediction, nothing below the CLI
imports the CLI, and no module imports against the layers of DESIGN.md, lazy imports included."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PREDICTION_PATH = ["alphaforge.features", "alphaforge.models", "alphaforge.predict", "alphaforge.novelty"]


def _imported_after(modules: list[str]) -> set[str]:
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "print('\\n'.join(m for m in sys.modules if m.startswith('alphaforge')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", PREDICTION_PATH)
def test_prediction_path_never_imports_targets(module):
    loaded = _imported_after([module])
    assert module in loaded
    assert not {m for m in loaded if m.startswith("alphaforge.targets")}, sorted(loaded)


@pytest.mark.parametrize("module", ["alphaforge.data", "alphaforge.features", "alphaforge.targets",
                                    "alphaforge.validation", "alphaforge.models", "alphaforge.backtest"])
def test_library_packages_do_not_import_the_cli_or_the_runner(module):
    loaded = _imported_after([module])
    assert not {m for m in loaded if m.startswith(("alphaforge.cli", "alphaforge.pipeline.runner"))}


# The direction of DESIGN.md, as layers (a module may import its own layer and those below):
# cli → the front door → pipeline → stage packages → model-input assembly → models, validation,
# store tables, executors, prediction → features, targets → data, the stage engine, tracking →
# config, workspace → errors, timestamps, the version. ``store`` sits below ``matrix`` because the
# model-input assembly reads the store's training table; nothing in ``store`` reads a stage package.
LAYERS = {
    "_version": 0, "errors": 0, "timestamps": 0, "progress": 0, "names": 0, "cpus": 0, "heap": 0,
    "choices": 0,  # the names options choose from, which help lists before numpy loads
    "csv_text": 0,
    "lazy": 0,  # package exports imported on first use  # the CSV copy of a table, written by the workspace's table writer
    "config": 1, "workspace": 1,
    # artifacts: one typed owner per on-disk JSON schema (model cards, best_config, plans, manifests),
    # read by the stage engine, the prediction path and every stage package, so it sits this low
    "data": 2, "stages": 2, "tracking": 2, "artifacts": 2,
    "features": 3, "targets": 3,
    "models": 4, "validation": 4, "executors": 4, "predict": 4, "store": 4, "inputs": 4,
    # novelty: the gate saved with a model and the drift report; beside models, so the registry, the live loop
    # and the walk-forward all read it
    "novelty": 4,
    "matrix": 5,
    "selection": 6, "tuning": 6, "backtest": 6, "meta": 6, "live": 6, "report": 6,
    "pipeline": 7,
    "project": 8, "__init__": 8,
    "cli": 9, "__main__": 10,
}
SOURCE = Path(__file__).resolve().parents[1] / "src" / "alphaforge"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every alphaforge module ``path`` imports, at the top or inside functions."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "alphaforge"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module and node.module.split(".")[0] == "alphaforge":
                found.add(node.module)
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_package_has_a_layer():
    tops = {_layer(_module_name(p)) for p in SOURCE.rglob("*.py")}
    assert not tops - set(LAYERS), f"give these a layer in LAYERS (and DESIGN.md): {sorted(tops - set(LAYERS))}"


def test_no_import_points_up_a_layer_including_lazy_ones():
    upward = sorted(f"{_module_name(p)} -> {target}" for p in SOURCE.rglob("*.py") for target in _imports(p)
                    if LAYERS[_layer(target)] > LAYERS[_layer(_module_name(p))])
    assert not upward, "imports against the direction of DESIGN.md:\n" + "\n".join(upward)


def test_packages_do_not_import_each_other_in_a_cycle():
    graph: dict[str, set[str]] = {}
    for path in SOURCE.rglob("*.py"):
        source = _layer(_module_name(path))
        graph.setdefault(source, set()).update(t for t in map(_layer, _imports(path)) if t != source)

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    assert not [p for p in graph if p in reachable(p)]
