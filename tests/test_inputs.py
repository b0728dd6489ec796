"""ModelInputs: the panel decision reads the bars' timestamps as numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alphaforge.inputs as inputs_module
from alphaforge.config import Config
from alphaforge.inputs import ModelInputs


def _inputs(symbols: int) -> ModelInputs:
    times = pd.date_range("2024-01-01", periods=50, freq="h", tz="UTC")
    bars = pd.DataFrame({"symbol": np.repeat([f"S{i}" for i in range(symbols)], len(times)),
                         "timestamp": np.tile(times, symbols), "close": 1.0})
    return ModelInputs(workspace=None, config=Config(), bars=bars, macro=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("symbols", "panel"), [(1, False), (4, True)])
def test_the_panel_plan_counts_int64_timestamps(monkeypatch: pytest.MonkeyPatch, symbols: int, panel: bool) -> None:
    """A zoned column's to_numpy() is an array of Timestamp objects, which np.unique sorted as Python
    objects: 4-6 s of every features stage at 1 M bars."""
    seen = []
    plan = inputs_module.feature_plan
    monkeypatch.setattr(inputs_module, "feature_plan", lambda config, times: seen.append(times) or plan(config, times))
    inputs = _inputs(symbols)
    assert inputs.feature_plan.panel is panel
    assert seen[0].dtype == np.int64 and len(seen[0]) == 50 * symbols
