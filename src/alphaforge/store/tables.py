"""The store's schema: the training and prediction tables, their bookkeeping, and setup ids.

- ``training``: ``setup_id, symbol, timestamp, event``, the features, the targets and each
  target's ``<target>__t1`` (when its label became known). Held-out setups are deleted from it.
- ``prediction``: ``setup_id, symbol, timestamp, event`` and the features only. The schema
  rejects target and ``t1`` columns (:mod:`alphaforge.store.guard`): a prediction row can
  never carry the label it is meant to predict.
- ``store_meta``: what the tables were filled from (feature and target names, the source
  fingerprints), one JSON value per key.
- ``preserved``: setup ids saved to a preserved file, and which file (``holdout preserve``).
- ``holdouts``: setup ids removed from training and the preserved file they will come back from.

A setup is a bar ``(symbol, timestamp)`` or an event on that bar (e.g. a strategy's signal).
Its id is readable text that does not depend on the row's position or on any hash seed:
``SYMBOL@2024-01-02T21:00:00Z``, with ``#event`` appended for events. Users can write setup
files by hand.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pandas as pd

from alphaforge.store.db import quote, table_exists

TRAINING = "training"
PREDICTION = "prediction"
KEY_COLUMNS: tuple[str, ...] = ("setup_id", "symbol", "timestamp", "event")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
SETUP_ID_SQL = f"symbol || '@' || strftime(timestamp, '{TIME_FORMAT}') || coalesce('#' || event, '')"

_BOOKKEEPING = (
    "CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "CREATE TABLE IF NOT EXISTS preserved (setup_id VARCHAR NOT NULL, preserved_file VARCHAR NOT NULL)",
    ("CREATE TABLE IF NOT EXISTS holdouts (setup_id VARCHAR NOT NULL, preserved_file VARCHAR NOT NULL, "
     "removed_at TIMESTAMPTZ NOT NULL)"),
)


def setup_id(symbol: str, timestamp: object, event: str | None = None) -> str:
    """The id of the setup at ``(symbol, timestamp[, event])``; equals what the store computes.

    >>> setup_id("AAPL", "2024-01-02 21:00", "breakout")
    'AAPL@2024-01-02T21:00:00Z#breakout'
    """
    stamp = pd.Timestamp(timestamp)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return f"{symbol}@{stamp.strftime(TIME_FORMAT)}" + (f"#{event}" if event else "")


def create_bookkeeping(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the metadata, preserved and holdout tables if they are not there yet."""
    for statement in _BOOKKEEPING:
        connection.execute(statement)


def columns_of(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of ``table`` in order."""
    return [row[0] for row in connection.execute(f"DESCRIBE {quote(table)}").fetchall()]


def as_utc(values: object, name: str | None = None) -> pd.DatetimeIndex:
    """Times read back from DuckDB as tz-aware UTC nanoseconds (nanosecond columns come back naive)."""
    index = pd.DatetimeIndex(values, name=name).as_unit("ns")
    return index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")


def row_count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows in ``table`` (0 when it does not exist)."""
    if not table_exists(connection, table):
        return 0
    (count,), = connection.execute(f"SELECT count(*) FROM {quote(table)}").fetchall()
    return int(count)


def write_meta(connection: duckdb.DuckDBPyConnection, values: dict[str, Any]) -> None:
    """Store each value as JSON under its key (replacing an older value)."""
    for key, value in values.items():
        connection.execute("INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [key, json.dumps(value, default=str)])


def read_meta(connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every metadata value, decoded (empty before the first fill)."""
    if not table_exists(connection, "store_meta"):
        return {}
    return {key: json.loads(value) for key, value in connection.execute("SELECT key, value FROM store_meta").fetchall()}
