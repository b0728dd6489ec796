"""`alphaforge predict`: score recent bars with the auto-detected (or given) model and save the
predictions (Parquet and CSV) and a chart."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alphaforge.models.registry import resolve_model
from alphaforge.predict import predict_recent
from alphaforge.predict.chart import plot_predictions
from alphaforge.workspace import Workspace, atomic_write_table

PREDICTIONS_DIR = "predictions"


def predict(workspace: Workspace, *, model_path: Path | None = None, symbols: Sequence[str] | None = None,
            bars: int | None = None, hours: float | None = None, name: str = "latest") -> dict[str, Any]:
    """Predict the most recent bars and write ``predictions/<name>.{parquet,csv,png}``."""
    resolved = resolve_model(workspace.root, model_path)
    prediction = predict_recent(workspace, resolved, symbols=symbols, bars=bars, hours=hours)
    stem = workspace.subdir(PREDICTIONS_DIR) / name
    frame = prediction.frame.assign(model=str(resolved.path.relative_to(workspace.root))
                                    if resolved.path.is_relative_to(workspace.root) else str(resolved.path))
    files = atomic_write_table(frame, stem)
    chart = plot_predictions(prediction.prices, prediction.frame, stem.with_suffix(".png"),
                             title=f"{resolved.config.get('target', {}).get('name', '')} — {resolved.path.name}")
    last = frame.sort_values("timestamp").groupby("symbol").tail(1)
    return {"model": str(resolved.path), "model_source": resolved.source, "rows": len(frame),
            "files": [str(p) for p in [*files, chart]],
            "latest": last[["symbol", "timestamp", "score", "signal"]].to_dict("records"),
            "notices": prediction.notices}
