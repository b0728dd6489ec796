"""Summaries of stored data: rows, time range, bar interval, gaps and missing values.

A gap is a step between consecutive bars longer than the usual one. For daily data that
never trades on weekends, steps are counted in business days, so a weekend is not a gap but
a holiday is (reported, never an error).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from alphaforge.data.schema import timestamp_ns

GAP_FACTOR = 1.5  # a step longer than 1.5x the median step is a gap


def infer_interval(timestamps: pd.Series) -> pd.Timedelta | None:
    """The median step between consecutive timestamps (None with fewer than 2)."""
    if len(timestamps) < 2:
        return None
    steps = np.diff(timestamp_ns(timestamps))
    return pd.Timedelta(int(np.median(steps)), unit="ns")


def format_interval(interval: pd.Timedelta | None) -> str | None:
    """Compact spelling of a bar interval: '1d', '1h', '15min', '30s'."""
    if interval is None:
        return None
    seconds = int(interval.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return str(interval)


def _business_daily(timestamps: pd.Series, interval: pd.Timedelta | None) -> bool:
    return interval is not None and interval >= pd.Timedelta("20h") and not (timestamps.dt.day_of_week >= 5).any()


def find_gaps(timestamps: pd.Series) -> pd.DataFrame:
    """Gaps in one symbol's timestamps: columns ``after``, ``before``, ``missing_bars``."""
    return _gaps(timestamps, infer_interval(timestamps))


def _gaps(timestamps: pd.Series, interval: pd.Timedelta | None) -> pd.DataFrame:
    """:func:`find_gaps` with the timestamps' :func:`infer_interval` already worked out."""
    empty = pd.DataFrame({"after": pd.Series(dtype=timestamps.dtype), "before": pd.Series(dtype=timestamps.dtype),
                          "missing_bars": pd.Series(dtype="int64")})
    if interval is None or interval <= pd.Timedelta(0):
        return empty
    if _business_daily(timestamps, interval):
        days = timestamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[D]")
        steps = np.busday_count(days[:-1], days[1:])
        missing = steps - 1
    else:
        raw = np.diff(timestamp_ns(timestamps))
        missing = np.where(raw > GAP_FACTOR * interval.value, np.rint(raw / interval.value) - 1, 0).astype("int64")
    where = np.flatnonzero(missing > 0)
    if not where.size:
        return empty
    return pd.DataFrame({"after": timestamps.iloc[where].to_numpy(), "before": timestamps.iloc[where + 1].to_numpy(),
                         "missing_bars": missing[where].astype("int64")})


def summarise_rows(rows: pd.DataFrame, key_column: str, key: str) -> dict[str, Any]:
    """Rows, range, interval, gaps and missing values of one symbol's (or macro series') rows."""
    ts = rows["timestamp"].reset_index(drop=True)
    interval = infer_interval(ts)
    gaps = _gaps(ts, interval)
    largest = gaps.sort_values("missing_bars", ascending=False).head(5)
    value_columns = [c for c in rows.columns if c not in (key_column, "timestamp")]
    return {
        key_column: key,
        "rows": len(rows),
        "start": ts.iloc[0].isoformat() if len(ts) else None,
        "end": ts.iloc[-1].isoformat() if len(ts) else None,
        "interval": format_interval(interval),
        "gaps": len(gaps),
        "missing_bars": int(gaps["missing_bars"].sum()),
        "largest_gaps": [
            {"after": a.isoformat(), "before": b.isoformat(), "missing_bars": int(m)}
            for a, b, m in largest.itertuples(index=False)
        ],
        "missing_values": {c: int(rows[c].isna().sum()) for c in value_columns},
        "columns": value_columns,
        "last_close": float(rows["close"].iloc[-1]) if "close" in rows.columns and len(rows) else None,
    }


def summarise_dataset(frame: pd.DataFrame, key_column: str) -> list[dict[str, Any]]:
    """One summary per symbol (or series), in key order."""
    return [summarise_rows(rows, key_column, str(key)) for key, rows in frame.groupby(key_column, sort=True)]
