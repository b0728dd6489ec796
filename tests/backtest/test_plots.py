"""The equity + drawdown chart is a real PNG, written atomically, with or without a second strategy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from alphaforge.backtest import plot_backtest, run_backtest

TIMES = pd.date_range("2024-01-01", periods=60, freq="D", tz="UTC")
BARS = pd.DataFrame({"symbol": "A", "timestamp": TIMES,
                     "close": 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.02, 60)))})


def test_plot_writes_a_png_beside_nothing_else(tmp_path: Path) -> None:
    base = run_backtest(BARS, "trend_baseline")
    other = run_backtest(BARS, "mean_reversion", benchmark=None)
    single = plot_backtest(base, tmp_path / "equity.png")
    double = plot_backtest(base, tmp_path / "compare.png", compare=other, title="trend vs reversion")
    for path in (single, double):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compare.png", "equity.png"]  # no temp files left
    assert double.stat().st_size > single.stat().st_size
