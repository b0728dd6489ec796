"""A self-contained HTML report: tables and PNG plots inlined, no external files or scripts.

One file a user can e-mail or archive with a run. Sections are added in order; numbers are
formatted for reading, and every image is embedded as base64 so the file stands alone.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alphaforge.workspace import atomic_write_text

_STYLE = """
body { font-family: system-ui, -apple-system, Segoe UI, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #1f2328; line-height: 1.4; padding: 0 1rem; }
h1 { border-bottom: 2px solid #d0d7de; padding-bottom: .3rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; text-align: right; }
th { background: #f6f8fa; } td:first-child, th:first-child { text-align: left; }
figure { margin: .6rem 0 1.2rem; } figure img { max-width: 100%; border: 1px solid #d0d7de; }
figcaption { color: #59636e; font-size: .85rem; } .note { color: #59636e; font-size: .9rem; }
"""


def format_value(value: Any) -> str:
    """Numbers rounded for reading; everything else as text."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value)
    return str(value)


@dataclass
class HtmlReport:
    """Sections of a report, rendered to one standalone HTML file."""

    title: str
    parts: list[str] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{html.escape(text)}</h2>")

    def verdicts(self, verdicts: Sequence[Mapping[str, Any]], heading: str) -> None:
        """Verdict lines, warnings marked (the first thing a reader should see)."""
        for verdict in verdicts:
            mark, colour = ("⚠", "#9a6700") if verdict.get("warning") else ("✔", "#1a7f37")
            self.parts.append(f'<p class="verdict" style="color:{colour}"><strong>{mark} {html.escape(heading)}:'
                              f"</strong> {html.escape(str(verdict.get('message', '')))}</p>")

    def note(self, text: str) -> None:
        self.parts.append(f'<p class="note">{html.escape(text)}</p>')

    def table(self, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None,
              caption: str | None = None) -> None:
        """A table of dict rows (column order from ``columns`` or the first row)."""
        if not rows:
            self.note(f"{caption or 'table'}: no rows")
            return
        columns = list(columns or rows[0].keys())
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(format_value(r.get(c)))}</td>" for c in columns)
                       + "</tr>" for r in rows)
        cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        self.parts.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def fields(self, values: Mapping[str, Any], caption: str | None = None) -> None:
        """A two-column table of named values."""
        self.table([{"": k, "value": v} for k, v in values.items()], ["", "value"], caption)

    def image(self, png: Path, caption: str) -> None:
        """Embed a PNG file (skipped with a note when it does not exist)."""
        png = Path(png)
        if not png.is_file():
            self.note(f"{caption}: plot not available")
            return
        data = base64.b64encode(png.read_bytes()).decode()
        self.parts.append(f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
                          f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    def render(self) -> str:
        body = "\n".join(self.parts)
        return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(self.title)}"
                f"</title><style>{_STYLE}</style></head><body><h1>{html.escape(self.title)}</h1>\n{body}\n"
                "</body></html>\n")

    def write(self, path: Path) -> Path:
        """Write the report atomically; returns its path."""
        atomic_write_text(Path(path), self.render())
        return Path(path)
