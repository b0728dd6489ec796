"""The tear sheet's charts are written (model beside baselines), non-empty, and nothing else is left."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from alphaforge.report.tearsheet_plots import plot_tear_sheet
from alphaforge.validation import baseline_frames, tear_sheet

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def market(n_symbols: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two years of daily closes and prediction rows labelled by the 5-bar return."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2021-01-01", periods=520, freq="D", tz="UTC")
    close = pd.DataFrame(np.exp(rng.normal(0, 0.01, (520, n_symbols)).cumsum(axis=0)), index=times,
                         columns=[f"S{i}" for i in range(n_symbols)])
    forward = (close.shift(-5) / close - 1).rename_axis(index="timestamp", columns="symbol")
    rows = forward.iloc[260:].stack().rename("label").reset_index()
    return rows.assign(score=rows["label"] + rng.normal(0, 0.05, len(rows))), close


def test_plots_of_a_panel_model_and_its_baselines(tmp_path: Path) -> None:
    predictions, close = market(8)
    sheets = {"model": tear_sheet(predictions, close, horizon=5)}
    sheets |= {name: tear_sheet(frame, close, horizon=5)
               for name, frame in baseline_frames(predictions, close, bars_per_year=120).items()}
    paths = plot_tear_sheet(sheets, tmp_path / "plots", "lightgbm fwd_ret_5 v1")
    assert [p.name for p in paths] == ["ic_cumulative.png", "ic_by_year.png", "quantile_returns.png",
                                       "long_short_equity.png", "ic_decay.png"]
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == sorted(p.name for p in paths)
    assert all(p.read_bytes().startswith(PNG_MAGIC) and p.stat().st_size > 5_000 for p in paths)


def test_plots_of_one_series_skip_the_cross_sectional_charts(tmp_path: Path) -> None:
    predictions, close = market(1)
    paths = plot_tear_sheet({"model": tear_sheet(predictions, close, horizon=5)}, tmp_path, "ridge fwd_ret_5 v2")
    assert [p.name for p in paths] == ["ic_cumulative.png", "ic_by_year.png", "ic_decay.png"]
    assert all(p.stat().st_size > 5_000 for p in paths)
    assert plot_tear_sheet({}, tmp_path / "none", "nothing") == []
