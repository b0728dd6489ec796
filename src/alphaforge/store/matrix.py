"""Read a training matrix from the store: what training uses once the store is filled.

Held-out setups are not in the ``training`` table (``holdout remove`` deleted them), so a
model trained from this matrix cannot have seen them. The layout matches
:func:`alphaforge.matrix.training_matrix`: only rows labelled for the target,
ordered by (timestamp, symbol), ``X`` indexed by (symbol, timestamp), ``t1`` for purging.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from alphaforge.config import Config
from alphaforge.models.base import INPUT_DTYPE
from alphaforge.errors import InputError, MissingInputError
from alphaforge.store.db import column_list, connect, quote, require_table, table_exists
from alphaforge.store.freshness import check_fresh
from alphaforge.store.tables import TRAINING, as_utc, read_meta, row_count
from alphaforge.targets.compute import t1_column
from alphaforge.workspace import Workspace


class StoreMatrix(NamedTuple):
    """Features ``X`` (index symbol, timestamp), labels ``y``, label times ``t1`` and ``setup_ids``
    (an object array of str), row-aligned; the data fingerprint the store was filled from, and
    the requested features it does not hold because the data lacks their inputs."""

    X: pd.DataFrame
    y: np.ndarray
    t1: pd.DatetimeIndex
    setup_ids: np.ndarray
    data_fingerprint: str
    skipped: list[str]


def store_has(workspace: Workspace, target: str) -> bool:
    """Whether the store exists and its training table holds ``target`` (so training can read it)."""
    if not workspace.store_path.exists():
        return False
    with connect(workspace) as connection:
        return table_exists(connection, TRAINING) and target in read_meta(connection).get("targets", [])


def training_table_key(workspace: Workspace) -> str | None:
    """A fingerprint of what the store's training table holds (None without a store): its fill
    (sources, feature and target fingerprints), its row count and the held-out setups. Stages
    that may read the store key on it, so `store fill` and `holdout remove/restore` rerun them."""
    if not workspace.store_path.exists():
        return None
    with connect(workspace) as connection:
        if not table_exists(connection, TRAINING):
            return None
        held = connection.execute("SELECT setup_id FROM holdouts ORDER BY setup_id").fetchall() \
            if table_exists(connection, "holdouts") else []
        payload = {"meta": read_meta(connection), "rows": row_count(connection, TRAINING),
                   "held_out": [row[0] for row in held]}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _feature_columns(meta: dict[str, Any], features: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """(store columns of ``features``, requested features skipped at fill for lack of inputs; every
    feature skipped when ``features`` is None)."""
    by_feature: dict[str, list[str]] = meta.get("feature_columns", {})
    if features is None:
        return [c for columns in by_feature.values() for c in columns], list(meta.get("skipped", []))
    skipped = [f for f in features if f in meta.get("skipped", [])]
    unknown = [f for f in features if f not in by_feature and f not in skipped]
    if unknown:
        raise InputError(f"feature(s) not in the store: {unknown[:8]}", where="store.duckdb",
                         fix="refill the store with them (`alphaforge store fill`); `alphaforge store info` "
                             "lists what it holds")
    return [c for f in features if f in by_feature for c in by_feature[f]], skipped


def read_training_matrix(workspace: Workspace, target: str, features: Sequence[str] | None = None,
                         symbols: Sequence[str] | None = None, *, config: Config | None = None) -> StoreMatrix:
    """The rows labelled for ``target``, with ``features`` (feature names; default all in the store),
    for ``symbols`` (default all); ``config`` is the workspace's, when the caller has it loaded.

    >>> matrix = read_training_matrix(workspace, "fwd_ret_5", ["px_ret_1"])  # doctest: +SKIP
    """
    with connect(workspace) as connection:
        require_table(connection, workspace, TRAINING)
        meta = read_meta(connection)
        if target not in meta.get("targets", []):
            raise MissingInputError(f"target {target!r} is not in the store (it holds {meta.get('targets', [])})",
                                    where=str(workspace.store_path),
                                    fix=f"refill it with the target: `alphaforge store fill --targets {target}`")
        check_fresh(workspace, meta, config)
        columns, skipped = _feature_columns(meta, features)
        if symbols:
            stored = {r[0] for r in connection.execute(f"SELECT DISTINCT symbol FROM {TRAINING}").fetchall()}
            unknown = sorted(set(symbols) - stored)
            if unknown:
                raise InputError(f"symbol(s) not in the store: {unknown}", where=str(workspace.store_path),
                                 fix=f"choose from {', '.join(sorted(stored))}, or refill the store for them")
        where, params = [f"{quote(target)} IS NOT NULL"], list(symbols or [])
        if symbols:
            where.append(f"symbol IN ({', '.join('?' for _ in symbols)})")
        selected = ["setup_id", "symbol", "timestamp", "event", *columns, target, t1_column(target)]
        table = connection.sql(f"SELECT {column_list(selected)} FROM {TRAINING} WHERE {' AND '.join(where)}",
                               params=params).to_arrow_table()
    order = _time_order(table)

    def values(name: str) -> np.ndarray:
        array = table.column(name).to_numpy(zero_copy_only=False)
        return array if order is None else array[order]

    X = np.empty((table.num_rows, len(columns)), dtype=INPUT_DTYPE, order="F")  # one block, no copy into the frame
    for j, name in enumerate(columns):
        _copy_column(table.column(name), X[:, j], order)
    index = pd.MultiIndex.from_arrays([values("symbol"), as_utc(values("timestamp"))], names=["symbol", "timestamp"])
    return StoreMatrix(X=pd.DataFrame(X, columns=columns, index=index, copy=False),
                       y=values(target).astype(np.float64), t1=as_utc(values(t1_column(target)), t1_column(target)),
                       setup_ids=values("setup_id"), data_fingerprint=meta["sources"]["data_fingerprint"],
                       skipped=skipped)


def _copy_column(column: pa.ChunkedArray, out: np.ndarray, order: np.ndarray | None) -> None:
    """Write a float column into ``out`` (NULL as NaN), chunk by chunk when no reordering is needed."""
    if order is not None:
        out[:] = column.to_numpy(zero_copy_only=False)[order]
        return
    start = 0
    for chunk in column.chunks:
        out[start:start + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
        start += len(chunk)


def _time_order(table: pa.Table) -> np.ndarray | None:
    """Row positions ordering ``table`` by (timestamp, symbol, event); None when it is in order already.

    The fill writes rows in that order and scans keep it, so sorting is needed only after a
    restore appended rows; checking is cheaper than an ORDER BY over every feature column.
    """
    stamps = table.column("timestamp").to_numpy().astype("datetime64[ns]").view(np.int64)
    symbols, _ = pd.factorize(table.column("symbol").to_numpy(zero_copy_only=False), sort=True)
    events, _ = pd.factorize(table.column("event").to_numpy(zero_copy_only=False), sort=True, use_na_sentinel=True)
    step, symbol_step = np.diff(stamps), np.diff(symbols)
    ordered = (step > 0) | ((step == 0) & ((symbol_step > 0) | ((symbol_step == 0) & (np.diff(events) >= 0))))
    return None if ordered.all() else np.lexsort((events, symbols, stamps))
