"""`alphaforge predict`: score recent bars with the auto-detected (or given) model and save the
predictions (Parquet and CSV) and their charts (an overview, paged, and one per symbol)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alphaforge.config import Config
from alphaforge.names import check_name
from alphaforge.models.registry import resolve_model
from alphaforge.predict import predict_recent
from alphaforge.predict.chart import PER_PAGE, model_title, write_prediction_charts
from alphaforge.workspace import Workspace, atomic_write_table

PREDICTIONS_DIR = "predictions"


def predict(workspace: Workspace, *, model_path: Path | None = None, symbols: Sequence[str] | None = None,
            bars: int | None = None, hours: float | None = None, name: str = "latest",
            config: Config | None = None) -> dict[str, Any]:
    """Predict the most recent bars; write ``predictions/<name>.{parquet,csv,png}`` and the
    charts in ``predictions/<name>/``.

    Returns a summary: the model, the signal rule, the rows, the files written (``files``:
    every path; ``written``: one short line per group, for people) and the latest signal per
    symbol.
    """
    check_name(name, where="name (--name)")  # predictions/NAME stays inside predictions/
    with workspace.lock(f"predict {name}"):  # `run` may be training the model or writing predictions/
        resolved = resolve_model(workspace.root, model_path)
        prediction = predict_recent(workspace, resolved, symbols=symbols, bars=bars, hours=hours, config=config)
        return _write(workspace, resolved, prediction, name)


def _write(workspace: Workspace, resolved: Any, prediction: Any, name: str) -> dict[str, Any]:
    """Write one prediction's tables and charts under ``predictions/``; its summary."""
    stem = workspace.subdir(PREDICTIONS_DIR) / name
    frame = prediction.frame.assign(model=workspace.relative(resolved.path))
    tables = atomic_write_table(frame, stem)
    charts = write_prediction_charts(prediction.prices, prediction.frame, stem, title=model_title(resolved))
    symbols_charted = frame["symbol"].nunique()
    pages = -(-symbols_charted // PER_PAGE)
    relative = f"{PREDICTIONS_DIR}/{name}"
    written = [f"{relative}.parquet, {relative}.csv ({len(frame)} rows)",
               f"{relative}.png (overview{f', page 1 of {pages}' if pages > 1 else ''})",
               f"{relative}/ ({symbols_charted} symbol chart{'s' if symbols_charted != 1 else ''}"
               f"{f', overview pages 2-{pages}' if pages > 1 else ''})"]
    last = frame.sort_values("timestamp").groupby("symbol").tail(1).sort_values("symbol")
    return {"model": str(resolved.path), "model_source": resolved.source, "title": model_title(resolved),
            "rule": prediction.rule, "rows": len(frame), "files": [str(p) for p in [*tables, *charts]],
            "written": written, "latest": last[["symbol", "timestamp", "score", "signal"]].to_dict("records"),
            "notices": prediction.notices}
