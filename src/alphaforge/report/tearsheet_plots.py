"""The factor tear sheet's charts: a model beside its baselines, one PNG per question.

- ``ic_cumulative.png``: the running sum of the per-timestamp IC (a steady slope is a steady
  edge), or the rolling IC when the sheets are single-series.
- ``ic_by_year.png``: the mean IC of each calendar year, bars side by side.
- ``quantile_returns.png``: the mean label by score quantile (cross-section only).
- ``long_short_equity.png``: growth of 1 in the top-minus-bottom quantile spread, log scale
  (cross-section only).
- ``ic_decay.png``: the mean IC against the forward return at each horizon.

The first sheet is the model, drawn first and strongest; the rest are baselines. Figures are
bare matplotlib ``Figure`` objects (Agg, no pyplot state) written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from alphaforge.timestamps import naive_utc
from alphaforge.validation.tearsheet import CROSS_SECTION, TearSheet
from alphaforge.workspace import atomic_write_png

_DPI = 110


def _figure(heading: str, title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(9, 4.5), layout="tight")
    axes = figure.subplots()
    axes.set_title(f"{heading}: {title}")
    axes.grid(alpha=0.3)
    return figure, axes


def _times(index: pd.Index) -> np.ndarray | pd.Index:
    """A series' time index as :func:`~alphaforge.timestamps.naive_utc` values; any other index as it is."""
    return naive_utc(index) if isinstance(index, pd.DatetimeIndex) else index


def _width(index: int) -> float:
    return 2.0 if index == 0 else 1.0  # the model's line stands out


def _grouped_bars(axes: Axes, categories: list[str], values: dict[str, list[float]]) -> None:
    """One group of bars per category, one bar per sheet; NaN bars are left empty."""
    width = 0.8 / max(1, len(values))
    positions = np.arange(len(categories))
    for i, (name, heights) in enumerate(values.items()):
        axes.bar(positions + (i - (len(values) - 1) / 2) * width, np.asarray(heights, dtype="float64"), width,
                 label=name)
    axes.set_xticks(positions, categories, rotation=90 if len(categories) > 12 else 0)
    axes.axhline(0.0, color="black", linewidth=0.8)
    axes.legend(fontsize=8)


def _ic_over_time(sheets: dict[str, TearSheet], folder: Path, title: str) -> Path:
    model = next(iter(sheets.values()))
    cumulative = model.view == CROSS_SECTION
    heading = "Cumulative per-timestamp IC" if cumulative else f"Rolling IC over {model.window} rows"
    figure, axes = _figure(heading, title)
    for i, (name, sheet) in enumerate(sheets.items()):
        line = sheet.ic.fillna(0.0).cumsum() if cumulative else sheet.ic
        axes.plot(_times(line.index), line.to_numpy(), linewidth=_width(i), label=f"{name} (IC {sheet.mean_ic:.3g})")
    axes.axhline(0.0, color="black", linewidth=0.8)
    axes.set_ylabel("sum of IC" if cumulative else "IC")
    axes.legend(fontsize=8)
    figure.autofmt_xdate()
    return atomic_write_png(figure, folder / "ic_cumulative.png", dpi=_DPI)


def _ic_by_year(sheets: dict[str, TearSheet], folder: Path, title: str) -> Path:
    years = sorted({row["year"] for sheet in sheets.values() for row in sheet.ic_by_year})
    values = {name: [next((r["mean"] for r in sheet.ic_by_year if r["year"] == y), np.nan) for y in years]
              for name, sheet in sheets.items()}
    figure, axes = _figure("Mean IC by year", title)
    _grouped_bars(axes, [str(y) for y in years], values)
    axes.set_ylabel("IC")
    return atomic_write_png(figure, folder / "ic_by_year.png", dpi=_DPI)


def _quantile_returns(sheets: dict[str, TearSheet], folder: Path, title: str) -> Path:
    n = max(len(sheet.quantiles["mean"]) for sheet in sheets.values())
    values = {name: sheet.quantiles["mean"] + [np.nan] * (n - len(sheet.quantiles["mean"]))
              for name, sheet in sheets.items()}
    horizon = next(iter(sheets.values())).horizon
    figure, axes = _figure(f"Mean {horizon}-bar label by score quantile", title)
    _grouped_bars(axes, [f"Q{q}" for q in range(1, n + 1)], values)
    axes.set_ylabel("mean label")
    return atomic_write_png(figure, folder / "quantile_returns.png", dpi=_DPI)


def _long_short(sheets: dict[str, TearSheet], folder: Path, title: str) -> Path:
    figure, axes = _figure("Top-minus-bottom quantile, growth of 1", title)
    for i, (name, sheet) in enumerate(sheets.items()):
        equity = (1.0 + sheet.long_short).cumprod()
        axes.plot(_times(equity.index), equity.to_numpy(), linewidth=_width(i), label=name)
    axes.axhline(1.0, color="black", linewidth=0.8)
    axes.set_yscale("log")  # equal slopes are equal returns, however far the curves drift apart
    axes.set_ylabel("equity, log scale (one-bar returns)")
    axes.legend(fontsize=8)
    figure.autofmt_xdate()
    return atomic_write_png(figure, folder / "long_short_equity.png", dpi=_DPI)


def _ic_decay(sheets: dict[str, TearSheet], folder: Path, title: str) -> Path:
    figure, axes = _figure("IC against the h-bar forward return", title)
    for i, (name, sheet) in enumerate(sheets.items()):
        horizons = sorted(sheet.ic_decay)
        axes.plot(horizons, [sheet.ic_decay[h] for h in horizons], marker="o", linewidth=_width(i), label=name)
    axes.axhline(0.0, color="black", linewidth=0.8)
    axes.set_xticks(sorted({h for sheet in sheets.values() for h in sheet.ic_decay}))
    axes.set_xlabel("horizon (bars)")
    axes.set_ylabel("mean IC")
    axes.legend(fontsize=8)
    return atomic_write_png(figure, folder / "ic_decay.png", dpi=_DPI)


def plot_tear_sheet(sheets: dict[str, TearSheet], folder: Path, title: str) -> list[Path]:
    """Write the tear sheet's charts for ``sheets`` (the model first, then its baselines) into
    ``folder``; ``title`` names the model (e.g. "lightgbm fwd_ret_5 v3"). Returns the paths
    written; the quantile and long-short charts only when the sheets are cross-sectional."""
    if not sheets:
        return []
    folder = Path(folder)
    paths = [_ic_over_time(sheets, folder, title), _ic_by_year(sheets, folder, title)]
    panels = {name: sheet for name, sheet in sheets.items() if sheet.view == CROSS_SECTION}
    if panels:
        paths += [_quantile_returns(panels, folder, title), _long_short(panels, folder, title)]
    return paths + [_ic_decay(sheets, folder, title)]
