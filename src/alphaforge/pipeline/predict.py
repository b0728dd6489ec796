"""`alphaforge predict`: score recent bars with the auto-detected (or given) model and save the
predictions (Parquet and CSV) and their charts (an overview, paged, and one per symbol).

The charts are drawn before returning (``chart="wait"``, what `alphaforge run` and a notebook
get), by a detached process after the tables are written (``"background"``, the command's
default: it answers without importing matplotlib; :mod:`alphaforge.predict.chart_job`), or not
at all (``"none"``). Either way the charts of the previous prediction of the name are taken
down first, so a chart never shows other rows than the tables beside it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alphaforge.choices import CHART_MODES
from alphaforge.config import Config
from alphaforge.cpus import usable_cpus
from alphaforge.errors import InputError
from alphaforge.models.registry import resolve_model
from alphaforge.names import check_name
from alphaforge.predict import predict_recent
from alphaforge.predict.chart import PER_PAGE, model_title, write_prediction_charts
from alphaforge.predict.chart_job import cancel_chart_job, chart_lock, remove_charts, start_chart_job
from alphaforge.progress import Progress
from alphaforge.workspace import Workspace, atomic_write_table

PREDICTIONS_DIR = "predictions"


def predict(workspace: Workspace, *, model_path: Path | None = None, symbols: Sequence[str] | None = None,
            bars: int | None = None, hours: float | None = None, name: str = "latest",
            config: Config | None = None, chart: str = "wait", progress: Progress | None = None) -> dict[str, Any]:
    """Predict the most recent bars; write ``predictions/<name>.{parquet,csv}`` and (see the module
    docstring for ``chart``) the charts ``predictions/<name>.png`` and ``predictions/<name>/``;
    ``progress`` hears of the charts drawn before it returns.

    Returns a summary: the model, the signal rule, the rows, the files written by the time it
    returns (``files``), the charts (``charts``: drawn, being drawn or none), one short line per
    group of files for people (``written``) and the latest signal per symbol.
    """
    check_name(name, where="name (--name)")  # predictions/NAME stays inside predictions/
    if chart not in CHART_MODES:
        close = difflib.get_close_matches(chart, CHART_MODES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InputError(f"unknown chart mode {chart!r}", where="chart (--chart)",
                         fix=f"{hint}choose one of: {', '.join(CHART_MODES)}")
    with workspace.lock(f"predict {name}"):  # `run` may be training the model or writing predictions/
        resolved = resolve_model(workspace.root, model_path)
        prediction = predict_recent(workspace, resolved, symbols=symbols, bars=bars, hours=hours, config=config)
        return _write(workspace, resolved, prediction, name, chart, progress)


def _write(workspace: Workspace, resolved: Any, prediction: Any, name: str, chart: str,
           progress: Progress | None) -> dict[str, Any]:
    """Write one prediction's tables and charts under ``predictions/``; its summary."""
    stem = workspace.subdir(PREDICTIONS_DIR) / name
    frame = prediction.frame.assign(model=workspace.relative(resolved.path))
    title = model_title(resolved)
    with chart_lock(stem):
        tables = atomic_write_table(frame, stem)
        if chart == "wait":
            cancel_chart_job(stem)
            charts = write_prediction_charts(prediction.prices, prediction.frame, stem, title=title,
                                             workers=usable_cpus(), progress=progress)
        else:
            remove_charts(stem)
            charts = [] if chart == "none" else start_chart_job(prediction.prices, prediction.frame, stem, title=title)
    symbols_charted = frame["symbol"].nunique()
    pages = -(-symbols_charted // PER_PAGE)
    relative = f"{PREDICTIONS_DIR}/{name}"
    when = ", being drawn in the background" if chart == "background" else ""
    written = [f"{relative}.parquet, {relative}.csv ({len(frame)} rows)"]
    if charts:
        written += [f"{relative}.png (overview{f', page 1 of {pages}' if pages > 1 else ''}){when}",
                    f"{relative}/ ({symbols_charted} symbol chart{'s' if symbols_charted != 1 else ''}"
                    f"{f', overview pages 2-{pages}' if pages > 1 else ''}){when}"]
    last = frame.sort_values("timestamp").groupby("symbol").tail(1).sort_values("symbol")
    return {"model": str(resolved.path), "model_source": resolved.source, "title": title,
            "rule": prediction.rule, "rows": len(frame),
            "files": [str(p) for p in [*tables, *(charts if chart == "wait" else [])]],
            "charts": [str(p) for p in charts], "chart": chart,
            "written": written, "latest": last[["symbol", "timestamp", "score", "signal"]].to_dict("records"),
            "notices": prediction.notices}
