"""The connection to the workspace's embedded DuckDB database (``store.duckdb``).

DuckDB lets one process write a database file, or several processes read it. Writers here
first take the workspace lock (:meth:`Workspace.lock`), so two AlphaForge writers meet the
lock's clear :class:`WorkspaceBusyError`; a reader that finds a writer's file lock gets the
same error instead of DuckDB's I/O message. Every connection works in UTC, so timestamps
read back as they were stored. A damaged file (truncated, garbled, emptied), found when it is
opened or when a damaged block is read, is an :class:`InputError` naming the file and the fix,
not DuckDB's exception.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

from alphaforge.errors import InputError, MissingInputError, WorkspaceBusyError
from alphaforge.workspace import Workspace

FILL_FIX = "run `alphaforge store fill` first (after `alphaforge features build` and `alphaforge targets build`)"
_DAMAGED = ("not a valid DuckDB database file", "Corrupt database file", "Could not read enough bytes")


def _damaged(path: object, exc: duckdb.Error) -> InputError:
    """The error for a store file DuckDB cannot read (its own message, first line, in brackets)."""
    return InputError(f"the store is damaged and cannot be read ({str(exc).splitlines()[0]})", where=str(path),
                      fix="restore it from a backup, or move it aside and run `alphaforge store fill` to build it "
                          "again from the feature and target caches")


def quote(name: str) -> str:
    """``name`` as a DuckDB identifier: column names such as ``tb_24_2.0_1.0`` hold dots."""
    return '"' + name.replace('"', '""') + '"'


def column_list(names: list[str], prefix: str = "") -> str:
    """Comma-separated quoted identifiers, each optionally qualified by ``prefix`` (a table alias)."""
    return ", ".join(f"{prefix}{quote(n)}" for n in names)


@contextlib.contextmanager
def connect(workspace: Workspace, *, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to ``store.duckdb``, closed on exit.

    ``write=False`` opens read-only and requires the store to exist. Callers that write hold
    the workspace lock around this (the lock, not DuckDB's file lock, is what names the
    other writer).
    """
    path = workspace.store_path
    if not write and not path.exists():
        raise MissingInputError("the store has not been filled", where=str(path), fix=FILL_FIX)
    try:
        connection = duckdb.connect(str(path), read_only=not write)
    except duckdb.Error as exc:
        if any(sign in str(exc) for sign in _DAMAGED):
            raise _damaged(path, exc) from None
        if not isinstance(exc, duckdb.IOException) or "lock" not in str(exc).lower():
            raise
        raise WorkspaceBusyError("workspace busy: another process is writing to the store", where=str(path),
                                 fix="wait for it to finish, then run the command again") from None
    try:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET enable_progress_bar = false")  # stderr is for our own notices
        yield connection
    except duckdb.Error as exc:  # a damaged block is found when it is read, not when the file opens
        if any(sign in str(exc) for sign in _DAMAGED):
            raise _damaged(path, exc) from None
        raise
    finally:
        connection.close()


@contextlib.contextmanager
def transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block as one transaction: committed whole on success, rolled back on any error.

    A process killed inside the block leaves nothing of it behind: DuckDB replays only
    committed transactions from its write-ahead log.
    """
    connection.execute("BEGIN TRANSACTION")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def table_exists(connection: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the store holds table ``name``."""
    (count,), = connection.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall()
    return bool(count)


def require_table(connection: duckdb.DuckDBPyConnection, workspace: Workspace, name: str) -> None:
    """Refuse to go on when the store lacks table ``name`` (the fill makes both data tables)."""
    if not table_exists(connection, name):
        raise MissingInputError(f"the store has no {name} table", where=str(workspace.store_path), fix=FILL_FIX)
