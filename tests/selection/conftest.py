"""Small synthetic panels for the selection tests, with a test-local registry holding a leaky feature.

The leaky feature ``px_peek_1`` reads the next bar's close (``close.shift(-1)``): it lives in
a copy of the default registry made here, never in the default registry itself.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from alphaforge.config import SelectionSection
from alphaforge.data.synthetic import SynthSpec, describe_planted, generate_bars
from alphaforge.features import (
    REGISTRY,
    FeatureRegistry,
    FeatureSkipWarning,
    compute_features,
    register,
)
from alphaforge.targets import compute_targets, t1_column

FEATURES = "px, vol, xs_rank_ret_*"  # enough to hide the planted feature among peers, fast to score
PLANTED = SynthSpec(symbols=6, bars=2000, freq="1h", mode="planted", lookback=6, horizon=1, ic=0.1, seed=3)
LEAKY = "px_peek_1"


def peek_next_close(close: np.ndarray) -> np.ndarray:
    """Next bar's return, close[t+1] / close[t] - 1: reads one bar ahead (deliberately leaky)."""
    shifted = pd.Series(close).shift(-1).to_numpy()
    return shifted / close - 1.0


def leaky_registry() -> FeatureRegistry:
    """A copy of the default registry plus :data:`LEAKY`."""
    registry = FeatureRegistry()
    for feature in REGISTRY:
        registry.add(feature)
    register(peek_next_close, name=LEAKY, lookback=0, description="next bar's return (leaks)", registry=registry)
    return registry


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
    features = feature_table(planted_bars, f"{FEATURES}, {LEAKY}", registry)
    targets = with_noise_targets(compute_targets(planted_bars, ["fwd_ret_1", "fwd_ret_5"]), horizon=1, seed=11)
    return features, targets
