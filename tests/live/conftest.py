"""A small workspace for the live loop: 4 synthetic hourly symbols, a gradient boosting model (trees: the
same model whenever it is trained on the same rows, and a row scores the same in any batch) trained on the bars up to
``TRAIN_END``; the replay signals the bars after it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import alphaforge as af
from alphaforge.project import Project

TRAIN_END = "2020-01-15T00:00:00+00:00"
BARS = 480  # 20 days of hourly bars: 14 trained on, 6 replayed
FAMILY = "gradient_boosting"  # trees: a row scores the same in any batch (float32 BLAS sums do not)


def make_project(root: Path, family: str = FAMILY, **live: object) -> Project:
    project = af.init(root)
    project.synth(symbols=4, bars=BARS, freq="1h", seed=3, use=False)
    project = project.with_config(data={"dataset": "synth", "macro": "", "end": TRAIN_END},
                                  models={"family": family, "min_rounds": 20, "early_stopping_rounds": 10},
                                  live={"chart": False, **live})
    project.save_config()
    project.train()
    return project


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the synthetic data and its first model (copied by :func:`project`)."""
    root = tmp_path_factory.mktemp("live") / "template"
    make_project(root)
    return root


@pytest.fixture(scope="module")
def trained_lightgbm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same workspace with a LightGBM model: a family whose retrains continue the model they replace."""
    root = tmp_path_factory.mktemp("live") / "lightgbm"
    make_project(root, family="lightgbm")
    return root


def _copies(template: Path, tmp_path: Path) -> Callable[..., Project]:
    import shutil

    def make(**live: object) -> Project:
        root = tmp_path / f"ws{len(list(tmp_path.iterdir()))}"
        shutil.copytree(template, root)
        opened = af.open(root)
        return opened.with_config(live={**opened.config.live.model_dump(), **live})

    return make


@pytest.fixture
def project(trained: Path, tmp_path: Path) -> Callable[..., Project]:
    """A fresh copy of the trained workspace with ``[live]`` changes."""
    return _copies(trained, tmp_path)


@pytest.fixture
def lightgbm_project(trained_lightgbm: Path, tmp_path: Path) -> Callable[..., Project]:
    """A fresh copy of the LightGBM workspace with ``[live]`` changes."""
    return _copies(trained_lightgbm, tmp_path)


def full_bars(project: Project) -> pd.DataFrame:
    from alphaforge.data.datasets import raw_store

    return raw_store(project.workspace).load("synth")
