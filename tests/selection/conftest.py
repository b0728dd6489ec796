"""Small synthetic panels and workspaces for the selection tests, with a test-local registry holding leaky features.

The leaky features ``px_peek_1`` and ``px_peek_5`` read the close one and five bars ahead
(``close.shift(-1)``, ``close.shift(-5)``): they live in a copy of the default registry made
here, never in the default registry itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
import tomlkit

from alphaforge.config import SelectionSection
from alphaforge.data.datasets import synthesize
from alphaforge.data.synthetic import SynthSpec, describe_planted, generate_bars
from alphaforge.features import (
    REGISTRY,
    FeatureRegistry,
    FeatureSkipWarning,
    compute_features,
    register,
)
from alphaforge.targets import compute_targets, t1_column
from alphaforge.workspace import Workspace

FEATURES = "px, vol, xs_rank_ret_*"  # enough to hide the planted feature among peers, fast to score
PLANTED = SynthSpec(symbols=6, bars=2000, freq="1h", mode="planted", lookback=6, horizon=1, ic=0.1, seed=3)
LEAKY = "px_peek_1"
LEAKY_5 = "px_peek_5"
WORKSPACE_FEATURES = ["px_ret_*", "px_rvol_*", "vol_ratio_*", "xs_rank_ret_*"]


def peek_ahead(close: np.ndarray, *, bars: int) -> np.ndarray:
    """Return to the close ``bars`` ahead, close[t+bars] / close[t] - 1 (deliberately leaky)."""
    return pd.Series(close).shift(-bars).to_numpy() / close - 1.0


def leaky_registry() -> FeatureRegistry:
    """A copy of the default registry plus :data:`LEAKY` and :data:`LEAKY_5`."""
    registry = FeatureRegistry()
    for feature in REGISTRY:
        registry.add(feature)
    for name, bars in ((LEAKY, 1), (LEAKY_5, 5)):
        register(peek_ahead, name=name, lookback=0, params={"bars": bars},
                 description=f"return to the close {bars} bar(s) ahead (leaks)", registry=registry)
    return registry


def configure(workspace: Workspace, features: Sequence[str] = WORKSPACE_FEATURES, **selection: object) -> None:
    """Point ``workspace`` at its synthetic data (no macro) with ``features`` and ``[selection]`` overrides."""
    document = tomlkit.parse(workspace.config_path.read_text())
    document["data"]["dataset"] = "synth"
    document["data"]["macro"] = ""
    document["features"]["include"] = list(features)
    document["selection"]["targets"] = ["fwd_ret_1", "binary_abs_5_0.02"]
    for key, value in selection.items():
        document["selection"][key] = value
    workspace.config_path.write_text(tomlkit.dumps(document))


def feature_table(bars: pd.DataFrame, spec: str, registry: FeatureRegistry | None = None) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeatureSkipWarning)
        return compute_features(bars, None, spec, registry=registry)


def with_noise_targets(targets: pd.DataFrame, horizon: int, seed: int) -> pd.DataFrame:
    """Add two pure-noise targets (a return-like and a binary one) with t1 = bar t+horizon's time."""
    rng = np.random.default_rng(seed)
    t1 = targets.groupby("symbol", sort=False)["timestamp"].shift(-horizon)
    noise = {"noise_ret": rng.normal(size=len(targets)), "noise_up": rng.integers(0, 2, len(targets)).astype(float)}
    extra = {}
    for name, values in noise.items():
        extra[name] = np.where(t1.notna(), values, np.nan)
        extra[t1_column(name)] = t1
    return pd.concat([targets, pd.DataFrame(extra)], axis=1)


@pytest.fixture(scope="session")
def settings() -> SelectionSection:
    return SelectionSection()


@pytest.fixture(scope="session")
def planted_bars() -> pd.DataFrame:
    return generate_bars(PLANTED)


@pytest.fixture(scope="session")
def planted_feature() -> str:
    return describe_planted(PLANTED)["feature"]


@pytest.fixture(scope="session")
def registry() -> FeatureRegistry:
    return leaky_registry()


@pytest.fixture(scope="session")
def planted_tables(planted_bars: pd.DataFrame, registry: FeatureRegistry) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features (with the leaky one) and targets (the planted one, fwd_ret_5 and two noise targets)."""
    features = feature_table(planted_bars, f"{FEATURES}, {LEAKY}", registry).drop(columns=[LEAKY_5])
    targets = with_noise_targets(compute_targets(planted_bars, ["fwd_ret_1", "fwd_ret_5"]), horizon=1, seed=11)
    return features, targets


@pytest.fixture
def planted_workspace(workspace: Workspace) -> Workspace:
    """A workspace on the planted market (6 symbols x 2000 bars) with quick selection settings."""
    synthesize(workspace, symbols=6, bars=2000, mode="planted", lookback=6, ic=0.1, seed=3)
    configure(workspace, top_k_features=5, n_splits=3, shuffles=1)
    return workspace
