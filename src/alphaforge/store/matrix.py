"""Read a training matrix from the store: what training uses once the store is filled.

Held-out setups are not in the ``training`` table (``holdout remove`` deleted them), so a
model trained from this matrix cannot have seen them. Rows come in (symbol, timestamp) order,
only rows labelled for the chosen target, with that target's ``t1`` for purging.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd

from alphaforge.errors import InputError, MissingInputError
from alphaforge.store.db import FILL_FIX, column_list, connect, quote, table_exists
from alphaforge.store.tables import TRAINING, read_meta
from alphaforge.targets.compute import t1_column
from alphaforge.workspace import Workspace


class TrainingMatrix(NamedTuple):
    """Features ``X``, labels ``y``, ``keys`` (setup_id, symbol, timestamp) and ``t1``, row-aligned."""

    X: pd.DataFrame
    y: pd.Series
    keys: pd.DataFrame
    t1: pd.Series


def store_has(workspace: Workspace, target: str) -> bool:
    """Whether the store exists and its training table holds ``target`` (so training can read it)."""
    if not workspace.store_path.exists():
        return False
    with connect(workspace) as connection:
        return table_exists(connection, TRAINING) and target in read_meta(connection).get("targets", [])


def _check_names(meta: dict, target: str, features: Sequence[str]) -> None:
    if target not in meta.get("targets", []):
        raise MissingInputError(f"target {target!r} is not in the store (it holds {meta.get('targets', [])})",
                                where="store.duckdb", fix=f"refill it: `alphaforge store fill --targets {target} ...`")
    unknown = [f for f in features if f not in meta.get("features", [])]
    if unknown:
        raise InputError(f"feature(s) not in the store: {unknown[:8]}", where="store.duckdb",
                         fix="choose features the store was filled with (`alphaforge store info`), or refill it")


def read_training_matrix(workspace: Workspace, target: str, features: Sequence[str] | None = None,
                         symbols: Sequence[str] | None = None) -> TrainingMatrix:
    """The labelled rows of ``target`` for ``features`` (default: all in the store) and ``symbols``.

    >>> X, y, keys, t1 = read_training_matrix(workspace, "fwd_ret_5")  # doctest: +SKIP
    """
    with connect(workspace) as connection:
        if not table_exists(connection, TRAINING):
            raise MissingInputError("the store has no training table", where=str(workspace.store_path),
                                    fix=FILL_FIX)
        meta = read_meta(connection)
        features = list(features) if features is not None else list(meta.get("features", []))
        _check_names(meta, target, features)
        where = [f"{quote(target)} IS NOT NULL"]
        params: list[object] = []
        if symbols:
            where.append(f"symbol IN ({', '.join('?' for _ in symbols)})")
            params.extend(symbols)
        columns = ["setup_id", "symbol", "timestamp", *features, target, t1_column(target)]
        frame = connection.execute(f"SELECT {column_list(columns)} FROM {TRAINING} WHERE {' AND '.join(where)} "
                                   "ORDER BY symbol, timestamp, event", params).df()
    keys = frame[["setup_id", "symbol", "timestamp"]]
    return TrainingMatrix(X=frame[features], y=frame[target].rename(target), keys=keys,
                          t1=frame[t1_column(target)].rename("t1"))
