"""The HTML report stands alone and renders: tables and inlined plots, checked in headless Chromium."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from alphaforge.report.html import HtmlReport, format_value
from tests.report.browser import render


def _plot(path):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2, 3], [1, 3, 2])
    fig.savefig(path)
    plt.close(fig)
    return path


def test_report_is_self_contained_and_renders(tmp_path):
    report = HtmlReport("Run <1>")
    report.heading("Metrics")
    report.table([{"fold": 1, "auc": 0.61}, {"fold": 2, "auc": 0.58}])
    report.fields({"sharpe": 1.2345678, "trades": 12})
    report.heading("Equity")
    report.image(_plot(tmp_path / "eq.png"), "equity curve")
    report.image(tmp_path / "missing.png", "absent plot")
    path = report.write(tmp_path / "report.html")
    text = path.read_text()
    assert "Run &lt;1&gt;" in text and "src=\"http" not in text and "<script" not in text
    seen = render(path)
    assert seen == {"tables": 2, "rows": 4, "images": 1, "decoded": 1, "headings": ["Metrics", "Equity"]}


def test_format_value():
    assert [format_value(v) for v in (None, True, 1234, 0.123456, float("nan"), 2.5e6, [1, 2])] == \
        ["–", "yes", "1,234", "0.1235", "–", "2,500,000", "1, 2"]
