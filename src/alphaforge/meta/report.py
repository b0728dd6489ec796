"""The base-vs-meta comparison as a standalone HTML report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alphaforge.meta.backtest import MetaComparison
from alphaforge.report.html import HtmlReport


def write_meta_report(comparison: MetaComparison, path: Path, *, equity_png: Path, calibration_png: Path,
                      model_metrics: Mapping[str, Any], model_path: str) -> Path:
    """Metrics table (base vs meta), equity curves side by side, signals taken, the meta-model's
    cross-validated metrics and calibration plot; written atomically to ``path``."""
    base = comparison.base
    report = HtmlReport(f"{base.settings['strategy']}: base vs meta-model ({comparison.mode})")
    report.note(f"Out-of-sample range {base.settings['start']} .. {base.settings['end']}. Every signal was judged "
                "by a meta-model refitted walk-forward on signals whose outcome was known before it; both "
                f"strategies pay the same costs ({base.settings['fees_bps']} bps fees, "
                f"{base.settings['slippage_bps']} bps slippage).")
    report.heading("Backtest metrics")
    report.table(comparison.table(), ["metric", "base", "meta"])
    report.heading("Equity and drawdown")
    report.image(equity_png, "base strategy (left) and meta-adjusted (right), each against the benchmark")
    report.heading("Signals")
    report.fields({**comparison.signal_counts(), "mode": comparison.mode,
                   "min_confidence": comparison.min_confidence})
    report.heading("Meta-model (purged cross-validation, out of fold)")
    report.fields({"model": model_path, **model_metrics})
    report.image(calibration_png, "calibration of the out-of-fold probabilities")
    return report.write(path)
