"""Tiny synthetic tuning data (a few symbols, a planted linear signal, 2-day label spans) and fast settings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.config import Config
from alphaforge.tuning import TuneSettings, TuningData
from alphaforge.validation import LabelSpans


def synthetic_data(n_times: int = 120, n_symbols: int = 3, signal: float = 0.5, seed: int = 0,
                   task: str = "regression") -> TuningData:
    """Rows ordered by (timestamp, symbol); y = signal * a + noise (its sign for ``binary``)."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2021-01-01", periods=n_times, freq="D", tz="UTC")
    t0 = np.repeat(times.tz_localize(None).to_numpy(), n_symbols)
    symbols = np.tile([f"S{i}" for i in range(n_symbols)], n_times)
    X = pd.DataFrame(rng.normal(size=(len(t0), 3)), columns=["a", "b", "c"],
                     index=pd.MultiIndex.from_arrays([symbols, t0], names=["symbol", "timestamp"]))
    y = 0.01 * (signal * X["a"].to_numpy() + rng.normal(size=len(t0)))
    if task == "binary":
        y = (y > 0).astype(np.float64)
    spans = LabelSpans.from_arrays(t0, t0 + np.timedelta64(2, "D"), symbols)
    return TuningData("fwd_ret_2", X, y, spans, task, f"synthetic-{seed}-{task}")


def fast_settings(**overrides: object) -> TuneSettings:
    """Ridge (millisecond fits), 3 folds, a handful of trials per phase."""
    base = {"family": "ridge", "target": "fwd_ret_2", "random_trials": 3, "bayes_trials": 3, "fine_trials": 2,
            "n_splits": 3, "embargo": 1, "narrow_top": 3, "checkpoints": 2, "pruner": "none"}
    return TuneSettings.from_config(Config(), **{**base, **overrides})
