"""A small workspace with a trained model for the prediction tests: 4 planted-signal symbols x
300 daily bars, one of them (SYN03) ending 40 bars before the others."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from alphaforge.config import Config, render_config
from alphaforge.data.datasets import store_frame
from alphaforge.data.synthetic import SynthSpec, generate_bars
from alphaforge.pipeline.train import train
from alphaforge.predict.chart_job import LOG_FILE, job_folder
from alphaforge.workspace import Workspace, atomic_write_text

EARLY = "SYN03"
"""The symbol whose data ends early."""
SETTINGS = {"data": {"dataset": "market", "macro": ""}, "features": {"include": ["px", "ta_rsi_14"]},
            "models": {"target": "fwd_ret_1"}}


def write_config(workspace: Workspace, **sections: dict) -> Config:
    """Render ``SETTINGS`` with ``sections`` merged in as the workspace's alphaforge.toml."""
    data = {name: {**SETTINGS.get(name, {}), **sections.get(name, {})} for name in {*SETTINGS, *sections}}
    config = Config.model_validate(data)
    atomic_write_text(workspace.config_path, render_config(config))
    return config


@pytest.fixture(scope="session")
def trained_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = Workspace.create(tmp_path_factory.mktemp("predict") / "ws")
    bars = generate_bars(SynthSpec(symbols=4, bars=300, freq="1d", mode="planted", seed=1))
    early = (bars["symbol"] == EARLY) & (bars["timestamp"] > bars["timestamp"].max() - pd.Timedelta(days=40))
    store_frame(workspace, "market", bars[~early].reset_index(drop=True), kind="bars", source="tests")
    write_config(workspace)
    train(workspace)
    return workspace.root


@pytest.fixture
def trained(trained_root: Path) -> Workspace:
    """The trained workspace, shared: read it only (tests that write use ``trained_copy``)."""
    return Workspace.open(trained_root)


@pytest.fixture
def trained_copy(trained_root: Path, tmp_path: Path) -> Workspace:
    """A private copy of the trained workspace."""
    return Workspace.open(shutil.copytree(trained_root, tmp_path / "ws"))


def wait_for_charts(stem: Path, timeout: float = 120.0) -> None:
    """Wait until the background process drawing the charts at ``stem`` has published them (its
    job folder is gone); fail with its log when it failed or took longer than ``timeout`` seconds."""
    folder, deadline = job_folder(stem), time.monotonic() + timeout
    while folder.is_dir():
        log = (folder / LOG_FILE).read_text() if (folder / LOG_FILE).is_file() else ""
        if "Traceback" in log or time.monotonic() > deadline:
            raise AssertionError(f"the charts at {stem} were not drawn:\n{log}")
        time.sleep(0.05)
