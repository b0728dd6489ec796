"""``live/<name>/report.html``: where a live loop stands, for a person — the model it scores with,
the latest signals, the retrains, the drift of what it scored against what the model trained on
(per-feature population stability, the chart the loop draws), the recent events, the chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from alphaforge.report.html import HtmlReport

REPORT_FILENAME = "report.html"
RECENT_EVENTS = 20


def write_live_report(folder: Path, summary: dict[str, Any], events: pd.DataFrame) -> Path:
    """Write the report of the live run ``summary`` (what :func:`alphaforge.pipeline.live.live`
    returns) with its ``events`` (the signal log's) into the loop's ``folder``; returns its path."""
    report = HtmlReport(f"AlphaForge live loop '{summary['name']}'")
    drift = summary.get("drift") or {}
    report.heading("Where the loop stands")
    report.fields({"model": summary.get("model"), "last bar signalled": summary.get("last_bar"),
                   "iterations this run": summary.get("iterations"), "rows signalled this run": summary.get("rows"),
                   "rows in the signal log": summary.get("log_rows"), "stopped": summary.get("stopped"),
                   "retrains this run": summary.get("retrained") or "none",
                   "retrain every": summary.get("retrain_every"), "source": summary.get("source")})
    report.heading("Latest signals")
    report.table([{"symbol": symbol, "signal": signal} for symbol, signal in summary.get("signals", {}).items()])
    report.image(folder / "chart.png", "recent prices with the signals")
    report.heading("Drift: what the loop scored against what the model trained on")
    if drift:
        report.note(str(drift.get("summary", "")))
        report.fields({key: drift.get(key) for key in ("rows", "novel_share", "threshold", "shifted", "moderate")})
        report.image(folder / "drift.png", "population stability index per feature (above 0.25: shifted)")
    else:
        report.note("no drift report: the model has no novelty gate, or no row was scored yet")
    report.heading(f"Recent events (last {RECENT_EVENTS})")
    report.table(events.tail(RECENT_EVENTS).to_dict("records"))
    for notice in summary.get("notices", []):
        report.note(notice)
    return report.write(folder / REPORT_FILENAME)
