"""Shared meta fixtures: a small random-walk meta dataset (fast to build and train on)."""

from __future__ import annotations

import pandas as pd
import pytest

from alphaforge.backtest import make_strategy
from alphaforge.data.synthetic import SynthSpec, generate_bars
from alphaforge.features import compute_features
from alphaforge.meta.dataset import LabelSpec, build_meta_dataset


@pytest.fixture(scope="session")
def small_dataset() -> pd.DataFrame:
    """Trend-baseline (5/20) signals on 8 random-walk symbols x 900 daily bars, px_ret features."""
    bars = generate_bars(SynthSpec(symbols=8, bars=900, freq="1d", seed=5, mode="random_walk"))
    return build_meta_dataset(bars, make_strategy("trend_baseline", fast=5, slow=20),
                              compute_features(bars, features="px_ret_*"), LabelSpec(threshold=0.0))
