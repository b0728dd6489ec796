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


def make_project(root: Path, **live: object) -> Project:
    project = af.init(root)
    project.synth(symbols=4, bars=BARS, freq="1h", seed=3, use=False)
    project = project.with_config(data={"dataset": "synth", "macro": "", "end": TRAIN_END},
                                  models={"family": FAMILY, "min_rounds": 20, "early_stopping_rounds": 10}, live={"chart": False, **live})
    project.save_config()
    project.train()
    return project


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the synthetic data and its first model (copied by :func:`project`)."""
    root = tmp_path_factory.mktemp("live") / "template"
    make_project(root)
    return root


@pytest.fixture
def project(trained: Path, tmp_path: Path) -> Callable[..., Project]:
    """A fresh copy of the trained workspace with ``[live]`` changes."""
    import shutil

    def make(**live: object) -> Project:
        root = tmp_path / f"ws{len(list(tmp_path.iterdir()))}"
        shutil.copytree(trained, root)
        opened = af.open(root)
        return opened.with_config(live={**opened.config.live.model_dump(), **live})

    return make


def full_bars(project: Project) -> pd.DataFrame:
    from alphaforge.data.datasets import raw_store

    return raw_store(project.workspace).load("synth")
