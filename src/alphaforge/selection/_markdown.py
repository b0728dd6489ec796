"""Markdown tables for the human-readable reports next to every Parquet/JSON output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value).replace("|", "\\|")


def markdown_table(rows: pd.DataFrame | Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub-style table of ``rows`` (a frame or dicts), floats to 4 significant digits.

    >>> print(markdown_table([{"a": 1, "b": 0.123456}]))
    | a | b |
    | --- | --- |
    | 1 | 0.1235 |
    """
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    columns = list(columns) if columns is not None else (list(records[0]) if records else [])
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    lines += ["| " + " | ".join(_cell(r.get(c)) for c in columns) + " |" for r in records]
    return "\n".join(lines)
