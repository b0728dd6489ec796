"""Fill the training and prediction tables from the cached feature and target Parquet files.

Nothing is recomputed: the fill finds the files that ``alphaforge features build`` and
``alphaforge targets build`` wrote for the configured data (by the same fingerprints those
caches use) and copies their columns into DuckDB. A missing file is an error naming the
command that makes it. The source fingerprints are recorded in ``store_meta`` so that a
preserved holdout can later prove it came from the same data.

Rows with at least one label go to ``training``; rows with none (the last bars, whose
horizon lies in the future) go to ``prediction``. Setups currently held out stay out of
training on every refill, so a holdout survives a refill.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alphaforge.config import Config
from alphaforge.data.events import event_keys
from alphaforge.errors import InputError, MissingInputError
from alphaforge.features.sets import FeatureSpec
from alphaforge.inputs import ModelInputs
from alphaforge.store.db import column_list, connect, quote, transaction
from alphaforge.store.freshness import fill_inputs
from alphaforge.store.guard import create_prediction_table
from alphaforge.store.tables import (
    KEY_COLUMNS,
    PREDICTION,
    SETUP_ID_SQL,
    TRAINING,
    create_bookkeeping,
    row_count,
    write_meta,
)
from alphaforge.targets import TargetCache, parse_targets, t1_column
from alphaforge.workspace import Workspace, is_intact


@dataclass(frozen=True)
class CachedSources:
    """The cached files one fill reads, and the fingerprints that located them."""

    keys_file: Path
    feature_files: dict[str, Path]
    target_files: dict[str, Path]
    fingerprints: dict[str, Any]
    skipped: list[str]


def locate_sources(workspace: Workspace, targets: Sequence[str], features: FeatureSpec = None,
                   config: Config | None = None) -> CachedSources:
    """The cached feature and target files for the configured data; MissingInputError if any is absent."""
    config = config or workspace.config()
    inputs = ModelInputs.load(workspace, config)
    location = inputs.locate(features if features is not None else inputs.features_to_build())
    feature_files, keys_file = location.paths, location.keys_path
    missing = [name for name, path in feature_files.items() if not is_intact(path)]  # absent, changed or damaged
    if not location.usable or missing or not is_intact(keys_file):
        listed = f": {', '.join(missing[:8])}" + (f" … (+{len(missing) - 8})" if len(missing) > 8 else "")
        raise MissingInputError("features not cached (or damaged) for the configured data"
                                + (listed if missing else ""),
                                where=str(workspace.features_dir),
                                fix="run `alphaforge features build` with the same feature set first")
    data_sha = inputs.data_sha256
    target_cache = TargetCache(workspace.targets_dir)
    target_keys = {s.name: target_cache.key(data_sha, s) for s in parse_targets(targets)}
    target_files = {name: target_cache.path(key) for name, key in target_keys.items()}
    absent = [name for name, path in target_files.items() if not is_intact(path)]
    if absent:
        raise MissingInputError(f"target(s) not cached (or damaged) for the configured data: {', '.join(absent)}",
                                where=str(workspace.targets_dir),
                                fix=f"run `alphaforge targets build {' '.join(absent)}` first")
    return CachedSources(keys_file, feature_files, target_files, {
        "dataset": config.data.dataset, "data_fingerprint": location.data_key, "data_sha256": data_sha,
        "features": location.fingerprints, "targets": target_keys}, sorted(location.skipped))


def _feature_table(sources: CachedSources) -> tuple[pa.Table, dict[str, list[str]]]:
    """Keys and every feature column side by side (the cache stores them row-aligned), and each
    feature's columns (a macro template has one per series)."""
    table = pq.read_table(sources.keys_file, columns=["symbol", "timestamp"])
    columns: dict[str, list[str]] = {}
    for feature, path in sources.feature_files.items():
        part = pq.read_table(path)
        if part.num_rows != table.num_rows:
            raise InputError(f"cached feature file has {part.num_rows} rows, its keys {table.num_rows}",
                             where=str(path), fix="delete it and run `alphaforge features build` again")
        for name, column in zip(part.column_names, part.columns, strict=True):
            table = table.append_column(name, column)
        columns[feature] = part.column_names
    return table, columns


def _target_table(sources: CachedSources) -> pa.Table:
    """symbol, timestamp and each target with its t1 (target files share the bars' row order)."""
    table: pa.Table | None = None
    for name, path in sources.target_files.items():
        part = pq.read_table(path, columns=["symbol", "timestamp", name, t1_column(name)])
        if table is None:
            table = part
        elif part.num_rows != table.num_rows:
            raise InputError(f"cached target file has {part.num_rows} rows, expected {table.num_rows}",
                             where=str(path), fix="delete it and run `alphaforge targets build` again")
        else:
            table = table.append_column(name, part.column(name)).append_column(t1_column(name),
                                                                                 part.column(t1_column(name)))
    assert table is not None  # parse_targets refuses an empty list
    return table


def _events_sql(events: pd.DataFrame | None) -> tuple[str, str]:
    """(join clause, event expression): every bar is a setup, or only the events' bars."""
    if events is None:
        return "", "CAST(NULL AS VARCHAR)"
    return "JOIN events_src e ON e.symbol = f.symbol AND e.timestamp = f.timestamp", "CAST(e.event AS VARCHAR)"


def check_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events as (symbol, timestamp UTC, event text), refusing missing columns and duplicate setups."""
    missing = [c for c in ("symbol", "timestamp", "event") if c not in events.columns]
    if missing:
        raise InputError(f"events lack column(s) {missing}", where="events",
                         fix="give one row per event with columns symbol, timestamp, event")
    frame = event_keys(events).assign(event=events["event"].astype(str).to_numpy())
    duplicated = frame.duplicated(keep=False)
    if duplicated.any():
        raise InputError(f"{int(duplicated.sum())} event rows repeat the same (symbol, timestamp, event)",
                         where=f"events row {int(duplicated.to_numpy().argmax())}", fix="drop the duplicates")
    return frame


def fill_store(workspace: Workspace, targets: Sequence[str] | None = None, *, features: FeatureSpec = None,
               events: pd.DataFrame | None = None) -> dict[str, Any]:
    """(Re)fill ``training`` and ``prediction`` from the caches, in one transaction under the lock.

    ``targets`` defaults to the config's candidate targets (``[selection] targets``);
    ``features`` to the config's feature set. With ``events`` (symbol, timestamp, event) only
    those bars become setups, their ids suffixed with ``#event``.
    """
    config = workspace.config()
    sources = locate_sources(workspace, list(targets or config.selection.targets), features, config)
    feature_table, feature_columns = _feature_table(sources)
    feature_names = [c for columns in feature_columns.values() for c in columns]
    target_table = _target_table(sources)
    target_names = list(sources.target_files)
    t1_names = [t1_column(t) for t in target_names]
    join_events, event_sql = _events_sql(events)
    labelled = " OR ".join(f"t.{quote(t)} IS NOT NULL" for t in target_names)
    base = (f"SELECT f.symbol, f.timestamp, {event_sql} AS event, {column_list(feature_names, 'f.')}, "
            f"{column_list([*target_names, *t1_names], 't.')}, ({labelled}) AS labelled "
            f"FROM features_src f JOIN targets_src t ON t.symbol = f.symbol AND t.timestamp = f.timestamp {join_events}")
    keyed = f"SELECT {SETUP_ID_SQL} AS setup_id, * FROM ({base})"
    held = "setup_id IN (SELECT setup_id FROM holdouts)"
    order = "ORDER BY timestamp, symbol, event"  # the training matrix's order: reads need no sort
    with workspace.lock("store fill"), connect(workspace, write=True) as connection:
        connection.register("features_src", feature_table)
        connection.register("targets_src", target_table)
        if events is not None:
            connection.register("events_src", check_events(events))
        with transaction(connection):
            create_bookkeeping(connection)
            connection.execute(f"CREATE TEMP TABLE keyed AS {keyed}")
            _check_unique(connection, events)
            connection.execute(f"CREATE OR REPLACE TABLE {TRAINING} AS SELECT "
                               f"{column_list([*KEY_COLUMNS, *feature_names, *target_names, *t1_names])} "
                               f"FROM keyed WHERE labelled AND NOT {held} {order}")
            create_prediction_table(connection, f"SELECT {column_list([*KEY_COLUMNS, *feature_names])} "
                                                f"FROM keyed WHERE NOT labelled OR {held} {order}")
            connection.execute("DROP TABLE keyed")
            write_meta(connection, {"features": feature_names, "feature_columns": feature_columns,
                                    "skipped": sources.skipped, "targets": target_names, "events": events is not None,
                                    "sources": sources.fingerprints, "inputs": fill_inputs(workspace, config),
                                    "filled_at": datetime.now(UTC).isoformat(timespec="seconds")})
            counts = {table: row_count(connection, table) for table in (TRAINING, PREDICTION, "holdouts")}
    return {"store": str(workspace.store_path), "training_rows": counts[TRAINING],
            "prediction_rows": counts[PREDICTION], "held_out": counts["holdouts"], "features": len(feature_names),
            "targets": target_names, "events": events is not None, "sources": sources.fingerprints}


def _check_unique(connection: duckdb.DuckDBPyConnection, events: pd.DataFrame | None) -> None:
    """Refuse a fill whose setup ids repeat (events off every bar also land here, as missing rows)."""
    total, distinct = connection.execute("SELECT count(*), count(DISTINCT setup_id) FROM keyed").fetchall()[0]
    if total != distinct:
        raise InputError(f"{total - distinct} setups share an id", where="store fill",
                         fix="give each (symbol, timestamp, event) once")
    if events is not None and total != len(events):
        raise InputError(f"{len(events) - total} event(s) fall on no bar of the configured data", where="events",
                         fix="stamp events with the timestamp of the bar they were formed on")
