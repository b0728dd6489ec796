"""Architecture rules checked by import: training-only code cannot reach live prediction, and
nothing below the CLI imports the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

PREDICTION_PATH = ["alphaforge.features", "alphaforge.models", "alphaforge.predict"]


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
