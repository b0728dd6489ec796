"""Holdouts: take setups out of training, predict them as if live, then put them back unchanged.

The cycle, each step a function (and an ``alphaforge holdout`` command):

1. :func:`create_holdout` picks setup ids (random with a seed, or by date) into a setup file;
2. :func:`preserve_setups` saves their training rows (features, targets, t1) to
   ``holdouts/preserved_<time>.parquet`` with a manifest ``preserved_<time>.json`` (sha256,
   count, source fingerprints);
3. :func:`remove_setups` moves them out of ``training`` into ``prediction`` (features from
   the preserved file, labels stripped), in one transaction; it refuses setups not preserved;
4. predict them (``alphaforge predict --setup-file``) and score them
   (:mod:`alphaforge.store.evaluate`);
5. :func:`restore_preserved` checks the file against its manifest and puts the exact rows
   back; a second restore changes nothing.

Nothing is recomputed at any step. Every write holds the workspace lock and changes the
database in one transaction; the preserved file is written atomically before anything refers
to it, so a kill at any point leaves the store consistent and no half-written file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alphaforge.artifacts import read_json
from alphaforge.errors import InputError
from alphaforge.store._pause import pause_point
from alphaforge.store.db import column_list, connect, require_table, transaction
from alphaforge.store.guard import insert_prediction_rows
from alphaforge.store.setups import SETUPS_VIEW, describe_ids, read_setup_file, register_setups, write_setup_file
from alphaforge.store.tables import PREDICTION, TRAINING, columns_of, read_meta, row_count
from alphaforge.timestamps import to_utc
from alphaforge.workspace import Workspace, atomic_path, atomic_write_json, file_sha256

HOLDOUTS = "holdouts"
PRESERVED_VIEW = "preserved_rows"


def holdouts_dir(workspace: Workspace) -> Path:
    """Where preserved files, their manifests and evaluations live."""
    return workspace.subdir(HOLDOUTS)


def _sql_path(path: Path) -> str:
    """A file path as a SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def _bound(text: str | None, *, end: bool) -> pd.Timestamp | None:
    """A --from/--to value as UTC; a bare date as --to covers that whole day."""
    if not text:
        return None
    stamp = to_utc(text, "--to" if end else "--from")
    return stamp + pd.Timedelta(days=1) - pd.Timedelta(1, "ns") if end and len(text.strip()) == 10 else stamp


def create_holdout(workspace: Workspace, output: Path, *, count: int | None = None, seed: int | None = None,
                   symbols: Sequence[str] | None = None, start: str | None = None,
                   end: str | None = None) -> dict[str, Any]:
    """Write a setup file of training setups: ``count`` drawn at random (reproducible with ``seed``,
    default the config's), or every setup between ``start`` and ``end`` when no count is given."""
    if count is None and not (start or end):
        raise InputError("say how to choose the setups", where="holdout create",
                         fix="pass --count N (random), --from/--to (a date range), or both")
    if count is not None and count < 1:
        raise InputError(f"--count must be at least 1, got {count}", where="--count", fix="pass --count 100")
    seed = workspace.config().seed if seed is None else seed
    low, high = _bound(start, end=False), _bound(end, end=True)
    where, params = ["TRUE"], []
    if symbols:
        where.append(f"symbol IN ({', '.join('?' for _ in symbols)})")
        params.extend(symbols)
    for bound, operator in ((low, ">="), (high, "<=")):
        if bound is not None:
            where.append(f"timestamp {operator} CAST(? AS TIMESTAMPTZ_NS)")
            params.append(bound.isoformat())
    with connect(workspace) as connection:
        require_table(connection, workspace, TRAINING)
        ids = [row[0] for row in connection.execute(
            f"SELECT setup_id FROM {TRAINING} WHERE {' AND '.join(where)} ORDER BY symbol, timestamp, event",
            params).fetchall()]
    if not ids or (count is not None and count > len(ids)):
        raise InputError(f"asked for {count or 'some'} setups, {len(ids)} match", where="holdout create",
                         fix="lower --count or widen --symbols/--from/--to")
    if count is not None:
        picked = np.sort(np.random.default_rng(seed).choice(len(ids), size=count, replace=False))
        ids = [ids[i] for i in picked]
    header = [f"alphaforge holdout: {len(ids)} setups", f"seed {seed}" if count is not None else "all in range",
              f"symbols {', '.join(symbols) if symbols else 'all'}", f"from {start or '-'} to {end or '-'}"]
    write_setup_file(output, ids, header)
    return {"output": str(output), "count": len(ids), "seed": seed if count is not None else None,
            "symbols": list(symbols or []), "from": start, "to": end, "first": ids[:3]}


def _split_known(connection: duckdb.DuckDBPyConnection, workspace: Workspace,
                 ids: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """(in training, already held out, unknown) among ``ids``, left registered as the setups view;
    a store without a training table is refused."""
    require_table(connection, workspace, TRAINING)
    register_setups(connection, ids)
    in_training = {r[0] for r in connection.execute(
        f"SELECT setup_id FROM {TRAINING} WHERE setup_id IN (SELECT setup_id FROM {SETUPS_VIEW})").fetchall()}
    held = {r[0] for r in connection.execute(
        f"SELECT setup_id FROM holdouts WHERE setup_id IN (SELECT setup_id FROM {SETUPS_VIEW})").fetchall()}
    return ([i for i in ids if i in in_training], [i for i in ids if i in held],
            [i for i in ids if i not in in_training and i not in held])


def preserve_setups(workspace: Workspace, setup_file: Path) -> dict[str, Any]:
    """Save the training rows of the setups in ``setup_file`` to a preserved Parquet file with a manifest."""
    ids = read_setup_file(setup_file)
    with workspace.lock("holdout preserve"), connect(workspace, write=True) as connection:
        present, held, unknown = _split_known(connection, workspace, ids)
        if held:
            raise InputError(f"{len(held)} setup(s) are already held out: {describe_ids(held)}",
                             where=str(setup_file), fix="restore them first (`alphaforge holdout restore`)")
        if unknown:
            raise InputError(f"{len(unknown)} setup id(s) are not in the training table: {describe_ids(unknown)}",
                             where=str(setup_file), fix="make the file with `alphaforge holdout create`")
        meta = read_meta(connection)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = holdouts_dir(workspace) / f"preserved_{stamp}.parquet"
        pause_point("preserve:before-write")
        with atomic_path(path) as temporary:
            connection.execute(f"COPY (SELECT * FROM {TRAINING} WHERE setup_id IN (SELECT setup_id FROM {SETUPS_VIEW})"
                               f" ORDER BY symbol, timestamp, event) TO {_sql_path(temporary)} "
                               "(FORMAT parquet, COMPRESSION zstd)")
            pause_point("preserve:file-written")
        manifest = {"file": path.name, "sha256": file_sha256(path), "count": len(present),
                    "setup_file": str(Path(setup_file).resolve()), "created_at": datetime.now(UTC).isoformat(),
                    "columns": columns_of(connection, TRAINING), "features": meta.get("features", []),
                    "targets": meta.get("targets", []), "sources": meta.get("sources", {})}
        atomic_write_json(path.with_suffix(".json"), manifest)
        pause_point("preserve:manifest-written")
        relative = workspace.relative(path)
        with transaction(connection):
            connection.execute(f"INSERT INTO preserved SELECT setup_id, ? FROM {SETUPS_VIEW}", [relative])
    return {"preserved_file": str(path), "manifest": str(path.with_suffix(".json")), "count": len(present),
            "sha256": manifest["sha256"]}


def _manifest_of(path: Path) -> dict[str, Any]:
    """The manifest beside a preserved file, after checking both exist."""
    if not path.is_file():
        raise InputError("no such preserved file", where=str(path),
                         fix="pass a holdouts/preserved_<time>.parquet file of this workspace")
    manifest_path = path.with_suffix(".json")
    if not manifest_path.is_file():
        raise InputError("the preserved file has no manifest beside it", where=str(manifest_path),
                         fix="keep each preserved_<time>.parquet with its preserved_<time>.json")
    manifest = read_json(manifest_path, what="the manifest",
                         fix="restore the manifest from a copy; without it the rows cannot be verified")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sha256"), str):
        raise InputError("the manifest has no sha256", where=str(manifest_path),
                         fix="restore the manifest from a copy; without it the rows cannot be verified")
    return manifest


def read_preserved(path: Path) -> tuple[dict[str, Any], pa.Table]:
    """The manifest and the rows of a preserved file, read once and checked against the manifest's sha256."""
    path = Path(path)
    manifest = _manifest_of(path)
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != manifest.get("sha256"):
        raise InputError(f"checksum mismatch: the file's sha256 is {actual[:16]}…, its manifest says "
                         f"{str(manifest.get('sha256'))[:16]}…", where=str(path),
                         fix="the file changed after it was preserved; restore from an intact copy, or rebuild "
                             "the rows with `alphaforge store fill`")
    return manifest, _preserved_rows(data, path)


def _preserved_rows(data: bytes, path: Path) -> pa.Table:
    """The rows of a preserved file's bytes: Parquet of plain columns (text, numbers, times), as
    `holdout preserve` writes them; anything else (a pickle, an extension type a reader would have to
    unpickle) is refused before DuckDB or pandas sees it."""
    fix = "restore from the file `alphaforge holdout preserve` wrote, or rebuild the rows with `alphaforge store fill`"
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"not a preserved-holdout Parquet file ({type(exc).__name__})", where=str(path),
                         fix=fix) from None
    odd = [f.name for f in table.schema if isinstance(f.type, pa.ExtensionType)
           or not (pa.types.is_string(f.type) or pa.types.is_large_string(f.type) or pa.types.is_floating(f.type)
                   or pa.types.is_integer(f.type) or pa.types.is_timestamp(f.type) or pa.types.is_null(f.type)
                   or pa.types.is_boolean(f.type) or pa.types.is_dictionary(f.type))]
    if odd:
        raise InputError(f"column(s) {odd[:5]} are not plain text, numbers or times", where=str(path), fix=fix)
    return table


def latest_preserved(connection: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Preserved file → the wanted setups whose latest preserved copy it holds."""
    rows = connection.execute(f"SELECT setup_id, max(preserved_file) FROM preserved WHERE setup_id IN "
                              f"(SELECT setup_id FROM {SETUPS_VIEW}) GROUP BY setup_id").fetchall()
    files: dict[str, list[str]] = {}
    for setup, file in rows:
        files.setdefault(file, []).append(setup)
    return files


def remove_setups(workspace: Workspace, setup_file: Path) -> dict[str, Any]:
    """Delete the setups in ``setup_file`` from training, in one transaction, once each is preserved.

    Their prediction rows come from the preserved file, labels stripped. Setups already held
    out are left as they are, so running it twice changes nothing.
    """
    ids = read_setup_file(setup_file)
    with workspace.lock("holdout remove"), connect(workspace, write=True) as connection:
        present, held, unknown = _split_known(connection, workspace, ids)
        if unknown:
            raise InputError(f"{len(unknown)} setup id(s) are not in the store: {describe_ids(unknown)}",
                             where=str(setup_file), fix="check the file; `alphaforge holdout create` makes one")
        files = latest_preserved(connection)
        covered = {s for setups in files.values() for s in setups}
        unpreserved = [i for i in present if i not in covered]
        if unpreserved:
            raise InputError(f"{len(unpreserved)} setup(s) were not preserved first: {describe_ids(unpreserved)}",
                             where=str(setup_file),
                             fix=f"run `alphaforge holdout preserve --setup-file {setup_file}` first")
        pending = set(present)  # the setups not held out yet, and the files they come back from
        wanted = {file: kept for file, setups in files.items() if (kept := [s for s in setups if s in pending])}
        preserved = {file: read_preserved(workspace.root / file)[1] for file in wanted}
        features = read_meta(connection).get("features", [])
        with transaction(connection):
            for file, setups in wanted.items():
                register_setups(connection, setups)
                connection.register(PRESERVED_VIEW, preserved[file])
                source = f"SELECT * FROM {PRESERVED_VIEW} WHERE setup_id IN (SELECT setup_id FROM {SETUPS_VIEW})"
                insert_prediction_rows(connection, source, features)
                connection.execute(f"INSERT INTO holdouts SELECT setup_id, ?, now() FROM {SETUPS_VIEW}", [file])
            register_setups(connection, present)
            (removed,), = connection.execute(
                f"DELETE FROM {TRAINING} WHERE setup_id IN (SELECT setup_id FROM {SETUPS_VIEW})").fetchall()
            pause_point("remove:in-transaction")
        training_rows = row_count(connection, TRAINING)
    return {"removed": int(removed), "already_held_out": len(held), "training_rows": training_rows,
            "preserved_files": sorted(files)}


def restore_preserved(workspace: Workspace, preserved_file: Path) -> dict[str, Any]:
    """Put the rows of a preserved file back into training, exactly, after verifying its checksum.

    Setups already in training are skipped, so restoring twice changes nothing. A file from
    other data (its source fingerprints differ from the store's) is refused. The file is read
    once; the transaction touches only the restored setups' rows.
    """
    path = Path(preserved_file)
    if not path.exists() and (holdouts_dir(workspace) / path.name).exists():
        path = holdouts_dir(workspace) / path.name
    manifest, rows = read_preserved(path)
    with workspace.lock("holdout restore"), connect(workspace, write=True) as connection:
        require_table(connection, workspace, TRAINING)
        columns = columns_of(connection, TRAINING)
        if manifest.get("sources") != read_meta(connection).get("sources") or manifest.get("columns") != columns:
            raise InputError("the preserved rows were made from other data or features than the store holds now",
                             where=str(path), fix="refill the store from the data and features this file was "
                                                  "preserved from (`alphaforge store fill`), then restore")
        connection.register(PRESERVED_VIEW, rows)
        with transaction(connection):
            # held out = not in training: every write keeps the two disjoint, so only the holdout is searched
            (restored,), = connection.execute(
                f"INSERT INTO {TRAINING} SELECT {column_list(columns)} FROM {PRESERVED_VIEW} "
                "WHERE setup_id IN (SELECT setup_id FROM holdouts)").fetchall()
            connection.execute(f"DELETE FROM {PREDICTION} WHERE setup_id IN (SELECT setup_id FROM holdouts "
                               f"WHERE setup_id IN (SELECT setup_id FROM {PRESERVED_VIEW}))")
            connection.execute(f"DELETE FROM holdouts WHERE setup_id IN (SELECT setup_id FROM {PRESERVED_VIEW})")
            pause_point("restore:in-transaction")
        training_rows = row_count(connection, TRAINING)
    return {"preserved_file": str(path), "restored": int(restored),
            "already_in_training": manifest["count"] - int(restored), "training_rows": training_rows}
