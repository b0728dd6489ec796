"""Assembling downloaded pieces into validated canonical frames (bars or macro).

An incremental download can legitimately find nothing new, so "no rows" is returned as an
empty frame with the canonical columns and dtypes rather than raised as an error.
"""

from __future__ import annotations

import pandas as pd

from alphaforge.data.schema import BAR_COLUMNS, MACRO_COLUMNS, TIMESTAMP_DTYPE, validate_bars, validate_macro


def _empty(columns: tuple[str, ...], text_column: str) -> pd.DataFrame:
    dtypes = {c: "float64" for c in columns} | {text_column: "str", "timestamp": TIMESTAMP_DTYPE}
    return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in columns})


def finish_bars(pieces: list[pd.DataFrame], source: str) -> pd.DataFrame:
    """Concatenate per-symbol bars and validate them; empty canonical bars when there are none."""
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return _empty(BAR_COLUMNS, "symbol")
    return validate_bars(pd.concat(pieces, ignore_index=True), source=source)[0]


def finish_macro(pieces: list[pd.DataFrame], source: str) -> pd.DataFrame:
    """Concatenate per-series observations and validate them; empty canonical macro when none."""
    pieces = [p for p in pieces if len(p)]
    frame = validate_macro(pd.concat(pieces, ignore_index=True), source=source)[0] if pieces else pd.DataFrame()
    return frame if len(frame) else _empty(MACRO_COLUMNS, "series")
