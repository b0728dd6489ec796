"""The prediction table's guard: target and ``t1`` columns never enter it.

Kept apart from :mod:`alphaforge.store.tables` because it reads the target registry (to know
every target name), and the code that only reads prediction rows must not import targets.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from alphaforge.errors import InputError
from alphaforge.store.db import column_list
from alphaforge.store.tables import KEY_COLUMNS, PREDICTION, columns_of
from alphaforge.targets import parse_target
from alphaforge.targets.compute import T1_SUFFIX


def is_label_column(name: str) -> bool:
    """Whether ``name`` is a target or a target's ``t1`` column (never allowed in prediction rows)."""
    if name.endswith(T1_SUFFIX):
        return True
    try:
        parse_target(name)
    except InputError:
        return False
    return True


def check_prediction_columns(columns: Sequence[str]) -> None:
    """Refuse target and ``t1`` columns in the prediction table."""
    labels = [c for c in columns if is_label_column(c)]
    if labels:
        raise InputError(f"the prediction table cannot hold target or t1 columns: {labels}",
                         where=f"table {PREDICTION}",
                         fix="prediction rows carry features only; labels stay in the training table")


def create_prediction_table(connection: duckdb.DuckDBPyConnection, select_sql: str) -> None:
    """(Re)create ``prediction`` from a query, after checking the query's columns."""
    columns = [d[0] for d in connection.execute(f"DESCRIBE {select_sql}").fetchall()]
    check_prediction_columns(columns)
    if tuple(columns[: len(KEY_COLUMNS)]) != KEY_COLUMNS:
        raise InputError(f"prediction rows must start with {list(KEY_COLUMNS)}, got {columns[:len(KEY_COLUMNS)]}",
                         where=f"table {PREDICTION}", fix="select the key columns first")
    connection.execute(f"CREATE OR REPLACE TABLE {PREDICTION} AS {select_sql}")


def insert_prediction_rows(connection: duckdb.DuckDBPyConnection, source_sql: str, features: Sequence[str]) -> int:
    """Append the key and feature columns of ``source_sql``'s rows to ``prediction``; labels never pass."""
    check_prediction_columns(features)
    wanted = [*KEY_COLUMNS, *features]
    if columns_of(connection, PREDICTION) != wanted:
        raise InputError("the rows' features differ from the prediction table's", where=f"table {PREDICTION}",
                         fix="refill the store (`alphaforge store fill`) with the features these rows have")
    (inserted,), = connection.execute(
        f"INSERT INTO {PREDICTION} SELECT {column_list(wanted)} FROM ({source_sql})").fetchall()
    return int(inserted)


