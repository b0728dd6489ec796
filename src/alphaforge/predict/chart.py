"""The prediction charts: price with a marker where the position changes, the score below.

Every symbol is reachable however many there are: one PNG per symbol, and an overview of
:data:`PER_PAGE` symbols a page. A marker sits where a symbol's signal changes (buy: to long,
sell: to short, flat: out of a position), so a position held for a hundred bars is one
marker, not a hundred. Titles name the model (name, version, target), never a folder.
Figures are bare :class:`~matplotlib.figure.Figure` objects (no pyplot state), written
atomically. Matplotlib is imported by the functions that draw, not by this module: `alphaforge
predict` names the chart files and draws them in another process
(:mod:`alphaforge.predict.chart_job`), and importing matplotlib would cost it half a second.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from alphaforge.progress import Progress, counting
from alphaforge.timestamps import naive_utc
from alphaforge.workspace import atomic_dir, atomic_write_png

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.gridspec import SubplotSpec

    from alphaforge.models.registry import ResolvedModel

PER_PAGE = 6
COLUMNS = 3
MARKERS = {1: ("^", "#1a7f37", "buy"), -1: ("v", "#cf222e", "sell"), 0: ("o", "#57606a", "flat")}
"""Signal -> (marker, colour, label) of the change into that signal."""
Part = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]
"""One symbol's prices, predictions and position changes."""


def model_title(model: ResolvedModel) -> str:
    """``'<name> <version>, target <target>'``: who made the predictions, for chart titles.

    A registry model is ``models/<name>/<version>/``; the extended-CV and tuning checkpoints are
    named for the stage that saved them and dated by their card's ``created``.
    """
    from alphaforge.models.registry import BEST_DIR, FINAL_DIR  # the chart processes never load the registry

    target = model.card.target.name
    folder = model.path.parent if model.path.name in (FINAL_DIR, BEST_DIR) else model.path
    if re.fullmatch(r"v\d+", folder.name):
        name, version = folder.parent.name, folder.name
    else:
        name = {"extended_cv": "extended-CV model", "tuning": f"tuning {folder.parent.name} model"}.get(
            model.source, folder.name)
        version = model.card.created[:10] or "unversioned"
    return f"{name} {version}, target {target}"


def position_changes(predictions: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``predictions`` (symbol, timestamp, signal) where a symbol's signal differs
    from its previous bar's; a symbol's first bar counts when it holds a position.

    >>> times = pd.date_range("2024-01-01", periods=5, freq="D", tz="UTC")
    >>> frame = pd.DataFrame({"symbol": "A", "timestamp": times, "signal": [0, 1, 1, 0, -1]})
    >>> position_changes(frame)["signal"].tolist()
    [1, 0, -1]
    """
    ordered = predictions.sort_values(["symbol", "timestamp"], kind="stable")
    previous = ordered.groupby("symbol")["signal"].shift(1).fillna(0)
    return ordered[ordered["signal"] != previous]


def write_prediction_charts(prices: pd.DataFrame, predictions: pd.DataFrame, stem: Path, *,
                            title: str, workers: int = 1, progress: Progress | None = None) -> list[Path]:
    """Write the overview pages and one chart per symbol; return the files written.

    ``prices``: symbol, timestamp, close. ``predictions``: symbol, timestamp, score, signal
    (+1 buy, -1 sell, 0 flat). ``stem.png`` is the overview's first page (where the run report
    looks); the folder ``stem/`` holds ``overview-2.png``, ... and ``<symbol>.png`` per symbol,
    and is replaced whole, so no chart of an earlier prediction is left in it. ``workers`` > 1
    draws them in that many processes when there are :data:`PARALLEL_MIN_CHARTS` or more
    (matplotlib holds the GIL: threads would take turns). ``progress("prediction charts", done,
    total)`` hears of each chart this process draws, and of a worker's when the worker ends.
    """
    stem = Path(stem)
    symbols = sorted(predictions["symbol"].unique())
    if not symbols:
        return []
    changes = position_changes(predictions)
    parts = {symbol: (prices[prices["symbol"] == symbol], predictions[predictions["symbol"] == symbol],
                      changes[changes["symbol"] == symbol]) for symbol in symbols}
    pages = [symbols[at:at + PER_PAGE] for at in range(0, len(symbols), PER_PAGE)]

    def overview(number: int, path: Path) -> _Chart:
        suffix = f" (symbols page {number} of {len(pages)})" if len(pages) > 1 else ""
        return _Chart(None, {s: parts[s] for s in pages[number - 1]}, path, title + suffix)

    names = _file_names(symbols)
    with atomic_dir(stem) as staging:
        _draw_all([overview(1, stem.with_suffix(".png")),
                   *(overview(number, staging / f"overview-{number}.png") for number in range(2, len(pages) + 1)),
                   *(_Chart(symbol, {symbol: parts[symbol]}, staging / names[symbol], title) for symbol in symbols)],
                  workers, counting(progress, "prediction charts", len(symbols) + len(pages)))
    return chart_files(symbols, stem)


PARALLEL_MIN_CHARTS = 8
"""Fewer charts are drawn in this process: a worker's start costs more than drawing them."""
STARTUP_CHARTS = 6
"""About how many symbol charts this process draws while a worker starts (a fresh interpreter
importing pandas and matplotlib, ~0.8 s): the worker is given that much less to draw."""
PANEL_COST = 0.7
"""An overview page's drawing time per symbol panel, in symbol charts (measured: a page of six
~0.55 s, a symbol chart ~0.13 s)."""


@dataclass(frozen=True)
class _Chart:
    """One PNG to draw: a symbol's own chart (``symbol``) or an overview page (None) of ``parts``."""

    symbol: str | None
    parts: dict[str, Part]
    path: Path
    title: str


def draw_charts(charts: list[_Chart], drawn: Callable[[_Chart], None] | None = None) -> None:
    """Draw ``charts`` here, one after the other (what each worker process runs), telling ``drawn``
    of each."""
    for chart in charts:
        if chart.symbol is None:
            _write_overview(chart.parts, chart.path, title=chart.title)
        else:
            _write_symbol(chart.symbol, chart.parts[chart.symbol], chart.path, title=chart.title)
        if drawn is not None:
            drawn(chart)


def _draw_all(charts: list[_Chart], workers: int, drawn: Callable[[_Chart], None] | None) -> None:
    """Draw ``charts``: this process draws the first share and ``workers - 1`` worker processes
    (``python -m alphaforge.predict.chart_worker``) the others, when there are enough of them.

    Workers are started as modules, not by :mod:`multiprocessing`, whose ``spawn`` runs the
    caller's main script again in each worker: a user's script calling ``Project.run()`` without
    the ``if __name__ == "__main__":`` idiom would run twice."""
    if workers < 2 or len(charts) < PARALLEL_MIN_CHARTS:
        draw_charts(charts, drawn)
        return
    import pickle
    import subprocess
    import sys
    import tempfile

    from alphaforge.errors import AlphaForgeError

    costs = [1.0 if chart.symbol is not None else PANEL_COST * len(chart.parts) for chart in charts]
    each = (sum(costs) - STARTUP_CHARTS) / workers  # what a worker draws; this process draws the rest
    shares, end = [], len(charts)
    for _ in range(workers - 1):  # each worker takes charts from the end (the cheap symbol charts)
        start, load = end, 0.0
        while start > 1 and load + costs[start - 1] <= each:
            start, load = start - 1, load + costs[start - 1]
        shares.append(charts[start:end])
        end = start
    with tempfile.TemporaryDirectory(prefix="alphaforge-charts-") as scratch:
        started = []
        for number, share in enumerate(filter(None, shares)):
            job = Path(scratch) / f"share-{number}.pickle"  # written and read by this run only
            job.write_bytes(pickle.dumps(share))
            started.append(subprocess.Popen([sys.executable, "-m", "alphaforge.predict.chart_worker", str(job)],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE))
        try:
            draw_charts(charts[:end], drawn)
        except BaseException:  # the workers must not write into a staging folder being removed
            for process in started:
                process.kill()
                process.wait()
            raise
        for process, share in zip(started, filter(None, shares), strict=True):
            _, error = process.communicate()
            if process.returncode:
                raise AlphaForgeError(f"a chart worker failed (exit {process.returncode}):\n"
                                      f"{error.decode(errors='replace')[-2000:]}", where="prediction charts",
                                      fix="fix the cause shown, then predict again")
            if drawn is not None:  # a worker's charts are known drawn once it has ended
                for chart in share:
                    drawn(chart)


def chart_files(symbols: Sequence[str], stem: Path) -> list[Path]:
    """The files :func:`write_prediction_charts` writes for ``symbols`` under ``stem``, in its
    order (overview pages, then one chart per symbol in symbol order), without drawing them.

    >>> [str(p) for p in chart_files(["B", "BTC/USDT"], Path("predictions/latest"))]
    ['predictions/latest.png', 'predictions/latest/B.png', 'predictions/latest/BTC_USDT.png']
    """
    stem = Path(stem)
    symbols = sorted(set(symbols))
    if not symbols:
        return []
    names = _file_names(symbols)
    pages = -(-len(symbols) // PER_PAGE)
    return [stem.with_suffix(".png"), *(stem / f"overview-{number}.png" for number in range(2, pages + 1)),
            *(stem / names[symbol] for symbol in symbols)]


def _file_names(symbols: list[str]) -> dict[str, str]:
    """A PNG file name per symbol: unsafe characters (``/`` in ``BTC/USDT``) become ``_``."""
    names: dict[str, str] = {}
    for symbol in symbols:
        base = re.sub(r"[^A-Za-z0-9._=-]", "_", symbol).lstrip(".") or "symbol"
        base = f"_{base}" if base.startswith("overview-") else base  # the overview pages' names
        name, number = f"{base}.png", 2
        while name in names.values():
            name, number = f"{base}-{number}.png", number + 1
        names[symbol] = name
    return names


def _draw(symbol: str, part: Part, top: Axes, bottom: Axes) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    price, pred, changes = part
    top.plot(naive_utc(price["timestamp"]), price["close"], color="#1f2328", linewidth=1.0, label="close")
    marked = changes.drop(columns="close", errors="ignore").merge(price[["timestamp", "close"]], on="timestamp")
    for signal, (marker, color, label) in MARKERS.items():
        hits = marked[marked["signal"] == signal]
        if len(hits):
            top.scatter(naive_utc(hits["timestamp"]), hits["close"], marker=marker, color=color, s=36, zorder=3,
                        label=label, edgecolors="white", linewidths=0.5)
    top.set_title(symbol, fontsize=10, y=1.0)  # placed, not searched for: no tick labels above it
    top.legend(loc="best", fontsize=7)
    top.grid(alpha=0.3)
    top.tick_params(labelsize=7, labelbottom=False)
    colors = ["#1a7f37" if s > 0 else "#cf222e" if s < 0 else "#8c959f" for s in pred["signal"]]
    bottom.vlines(naive_utc(pred["timestamp"]), 0.0, pred["score"], colors=colors, linewidth=2.0)  # lines: fast to draw
    bottom.axhline(0.0, color="#8c959f", linewidth=0.5)
    bottom.set_ylabel("score", fontsize=8)
    bottom.tick_params(labelsize=7)
    locator = AutoDateLocator()
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _pair(figure: Figure, cell: SubplotSpec) -> tuple[Axes, Axes]:
    """Price above score, sharing the time axis, in one grid cell."""
    inner = cell.subgridspec(2, 1, height_ratios=[3, 1.3], hspace=0.08)
    top = figure.add_subplot(inner[0])
    return top, figure.add_subplot(inner[1], sharex=top)


def _write_symbol(symbol: str, part: Part, path: Path, *, title: str) -> Path:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, 5.5))
    grid = figure.add_gridspec(1, 1, left=0.08, right=0.98, top=0.88, bottom=0.08)
    _draw(symbol, part, *_pair(figure, grid[0]))
    figure.suptitle(title, fontsize=11)
    return atomic_write_png(figure, path, dpi=110)


def _write_overview(parts: dict[str, Part], path: Path, *, title: str) -> Path:
    from matplotlib.figure import Figure

    columns = min(COLUMNS, len(parts))
    rows = -(-len(parts) // columns)
    figure = Figure(figsize=(5.0 * columns, 4.4 * rows + 0.6))
    grid = figure.add_gridspec(rows, columns, left=0.06, right=0.98, top=1 - 0.6 / (4.4 * rows + 0.6),
                               bottom=0.05, hspace=0.3, wspace=0.2)
    for at, (symbol, part) in enumerate(parts.items()):
        _draw(symbol, part, *_pair(figure, grid[divmod(at, columns)]))
    figure.suptitle(title, fontsize=11)
    return atomic_write_png(figure, path, dpi=110)
