"""A small filled store on the bundled data (3 symbols from 2017), built once and copied per test."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from alphaforge.data.datasets import import_bundled, load_aligned_macro, load_bars
from alphaforge.data.rawstore import content_sha256
from alphaforge.features.cache import FeatureCache
from alphaforge.models.panel import features_to_build
from alphaforge.store.fill import fill_store
from alphaforge.targets import TargetCache, build_targets
from alphaforge.workspace import Workspace

SYMBOLS = ["AAPL", "JPM", "XOM"]
TARGETS = ["fwd_ret_5", "binary_abs_5_0.02", "tb_10_1.0_1.0"]


def configure(workspace: Workspace, symbols: list[str], start: str) -> None:
    """Point the workspace's config at a few symbols from ``start`` (keeps the tests fast)."""
    text = workspace.config_path.read_text(encoding="utf-8")
    text = text.replace("symbols = []", f"symbols = {symbols!r}".replace("'", '"'), 1)
    text = text.replace('start = ""', f'start = "{start}"', 1)
    workspace.config_path.write_text(text, encoding="utf-8")


def build_caches(workspace: Workspace, targets: list[str]) -> None:
    """What `features build` and `targets build` do: fill the feature and target caches."""
    config = workspace.config()
    bars = load_bars(workspace, config)
    macro = load_aligned_macro(workspace, bars, config)
    spec = features_to_build(config, bars["timestamp"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the close-only bundled bars skip the OHLCV features, as intended
        FeatureCache(workspace.features_dir).build(bars, macro, spec)
    build_targets(bars, targets, data_sha256=content_sha256(bars), cache=TargetCache(workspace.targets_dir))


@pytest.fixture(scope="session")
def cached_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with bundled data and built caches, not yet filled."""
    workspace = Workspace.create(tmp_path_factory.mktemp("store") / "cached")
    import_bundled(workspace, "sp500")
    import_bundled(workspace, "macro")
    configure(workspace, SYMBOLS, "2017-01-01")
    build_caches(workspace, TARGETS)
    return workspace.root


@pytest.fixture(scope="session")
def filled_template(cached_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store") / "filled"
    shutil.copytree(cached_template, root)
    fill_store(Workspace(root), TARGETS)
    return root


@pytest.fixture
def cached(cached_template: Path, tmp_path: Path) -> Workspace:
    """A private copy of the cached (unfilled) workspace."""
    shutil.copytree(cached_template, tmp_path / "ws")
    return Workspace(tmp_path / "ws")


@pytest.fixture
def filled(filled_template: Path, tmp_path: Path) -> Workspace:
    """A private copy of the filled workspace."""
    shutil.copytree(filled_template, tmp_path / "ws")
    return Workspace(tmp_path / "ws")
