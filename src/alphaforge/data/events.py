"""User-given events: a table naming the bars on which something happened.

One file, CSV or Parquet, one row per event: ``symbol``, ``timestamp`` (the time of the bar the
event was formed on; naive times are UTC) and, where a setup needs a name (``store fill
--events``), ``event``. The store makes setups of those bars; the triple-barrier target
(``targets build --events``) labels them. Both read the file here.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from alphaforge.errors import InputError


def read_events(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The events table in the CSV or Parquet file at ``path``, as written; InputError if absent."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such events file", where=str(path),
                         fix="pass a CSV or Parquet file with columns symbol, timestamp, event")
    kind = "Parquet" if path.suffix == ".parquet" else "CSV"
    try:
        return pd.read_parquet(path) if kind == "Parquet" else pd.read_csv(path)
    except (ValueError, OSError) as exc:  # a pickle, binary or non-UTF-8 bytes, an empty file, no Parquet
        raise InputError(f"cannot read the events file as {kind} ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'})", where=str(path),
                         fix="pass a UTF-8 CSV file or a Parquet file with columns symbol, timestamp, event") from None


def event_keys(events: pd.DataFrame) -> pd.DataFrame:
    """``symbol`` (text) and ``timestamp`` (UTC) of every event row, in the table's order.

    Times are ISO-8601, each with its own offset or none (UTC). A missing column or a time that
    is not such a date is an InputError naming the row.

    >>> event_keys(pd.DataFrame({"symbol": ["A"], "timestamp": ["2024-01-02 10:00"]}))["timestamp"].iloc[0]
    Timestamp('2024-01-02 10:00:00+0000', tz='UTC')
    """
    missing = [c for c in ("symbol", "timestamp") if c not in events.columns]
    if missing:
        raise InputError(f"events lack column(s) {missing}; found {list(events.columns)}", where="events",
                         fix="give one row per event with columns symbol, timestamp (and event)")
    stamps = pd.to_datetime(events["timestamp"], utc=True, errors="coerce", format="ISO8601")
    bad = stamps.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(f"timestamp {events['timestamp'].iloc[row]!r} is not a date", where=f"events row {row}",
                         fix="use ISO-8601 times, e.g. 2024-01-02T10:00:00Z")
    return pd.DataFrame({"symbol": events["symbol"].astype(str), "timestamp": stamps}).reset_index(drop=True)
