"""Shared fixtures: a fresh workspace, an in-process CLI runner, a snapshot of a folder tree, the
times a chart hands matplotlib."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from alphaforge.cli import main
from alphaforge.config import Config, render_config
from alphaforge.workspace import Workspace, atomic_write_text


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def configure(workspace: Workspace, **changes: object) -> None:
    """Rewrite a workspace's config with ``section={key: value}`` (or ``seed=...``) changes, validated
    and rendered as `alphaforge init` writes it."""
    data = workspace.config().model_dump()
    for name, value in changes.items():
        data[name] = {**data[name], **value} if isinstance(value, dict) else value
    atomic_write_text(workspace.config_path, render_config(Config.model_validate(data)))


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A new workspace with the default configuration."""
    return Workspace.create(tmp_path / "ws")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``alphaforge ARGS`` in-process through the real entry point; returns code, stdout, stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["alphaforge", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


def _tree_snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".alphaforge.lock"}


@pytest.fixture
def plotted_times(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The NumPy kind of every series of times matplotlib converts to its date numbers while the
    test draws: ``M`` for ``datetime64`` (one vectorised step), ``O`` for zoned timestamps, which
    it turns into Python datetimes one by one (not the two default limits it converts itself)."""
    import matplotlib.dates
    import numpy as np

    kinds: list[str] = []
    convert = matplotlib.dates.DateConverter.convert

    def spy(value: object, unit: object, axis: object) -> object:
        times = np.asarray(value)
        if times.size > 2:
            kinds.append(times.dtype.kind)
        return convert(value, unit, axis)

    monkeypatch.setattr(matplotlib.dates.DateConverter, "convert", staticmethod(spy))
    return kinds


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, str]]:
    """Relative path → sha256 of every file under a folder (to prove nothing changed)."""
    return _tree_snapshot


SKIPPED_FILE_ENV = "ALPHAFORGE_SKIPPED_FILE"
"""When set, the node ids of skipped tests and modules are appended to that file, so CI can run
exactly those again once the optional extras are installed (see .ci/run)."""


def _record_skip(report: pytest.CollectReport | pytest.TestReport) -> None:
    path = os.environ.get(SKIPPED_FILE_ENV)
    if path and report.skipped and report.nodeid:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(report.nodeid + "\n")


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A module skipped as a whole (``pytest.importorskip`` at import)."""
    _record_skip(report)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A test skipped in its setup or body."""
    if report.when in ("setup", "call"):
        _record_skip(report)
