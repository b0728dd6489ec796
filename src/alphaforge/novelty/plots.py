"""The drift report's chart: one horizontal bar per feature, most drifted on top, coloured by its
reading (grey and empty for a feature without a recent value), with the two reading thresholds
(0.1 and 0.25) drawn across. A bare matplotlib
``Figure`` (Agg, no pyplot state), written atomically."""

from __future__ import annotations

from pathlib import Path

from alphaforge.novelty.drift import SHIFTED, STABLE, DriftReport
from alphaforge.workspace import atomic_write_png

TOP_FEATURES = 40
_COLOURS = {"stable": "tab:green", "moderate": "tab:orange", "shifted": "tab:red", "missing": "tab:gray"}


def drift_chart(report: DriftReport, path: Path, *, top: int = TOP_FEATURES) -> Path:
    """Draw ``report`` (its ``top`` most drifted features) as a PNG at ``path``; returns ``path``."""
    from matplotlib.figure import Figure

    table = report.to_table().head(top).iloc[::-1]
    figure = Figure(figsize=(8, max(3.0, 0.25 * len(table) + 1.5)), layout="tight")
    axes = figure.subplots()
    labels = [f"{name} (no value)" if kind == "missing" else name for name, kind in zip(table["feature"],
                                                                                         table["reading"], strict=True)]
    axes.barh(labels, table["psi"].fillna(0.0), color=table["reading"].map(_COLOURS).tolist())
    for level, label in ((STABLE, f"{STABLE} moderate"), (SHIFTED, f"{SHIFTED} shifted")):
        axes.axvline(level, color="black", linestyle="--", linewidth=0.8)
        axes.annotate(label, (level, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -10),
                      textcoords="offset points", fontsize=8)
    axes.set_xlabel("population stability index (PSI) against the training window")
    shown = f"top {len(table)} of {len(report.psi)}" if len(table) < len(report.psi) else f"{len(table)}"
    title = f"Feature drift: {report.rows} recent rows, {shown} features"
    if report.novel_share is not None:
        title += f"; {100 * report.novel_share:.3g}% of rows novel (DI > {report.threshold:.3g})"
    axes.set_title(title, fontsize=10)
    axes.grid(alpha=0.3, axis="x")
    return atomic_write_png(figure, Path(path), dpi=110)
