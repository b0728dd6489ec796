"""Setup files: the plain-text lists of setup ids that the holdout commands pass around.

One setup id per line (``AAPL@2024-01-02T21:00:00Z``); blank lines and lines starting with
``#`` are ignored, so a file can say how it was made. Files are written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.workspace import atomic_write_text

SETUPS_VIEW = "wanted_setups"


def read_setup_file(path: Path) -> list[str]:
    """The setup ids in ``path``, in order, each once."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such setup file", where=str(path),
                         fix="make one with `alphaforge holdout create --count N --output FILE`") from None
    except UnicodeDecodeError as exc:  # a pickle, a Parquet file, Latin-1 text...
        raise InputError(f"not a setup file: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})",
                         where=str(path), fix="pass the text file `alphaforge holdout create` wrote: one setup id "
                                              "per line, e.g. AAPL@2024-01-02T21:00:00Z") from None
    ids = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not ids:
        raise InputError("the setup file lists no setup ids", where=str(path),
                         fix="one id per line, e.g. AAPL@2024-01-02T21:00:00Z")
    return list(dict.fromkeys(ids))


def write_setup_file(path: Path, ids: Sequence[str], header: Sequence[str] = ()) -> None:
    """Write ``ids`` one per line after ``#`` header lines, atomically."""
    lines = [f"# {line}" for line in header] + list(ids)
    atomic_write_text(Path(path), "\n".join(lines) + "\n")


def register_setups(connection: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> None:
    """Make ``ids`` queryable as the view ``wanted_setups(setup_id)`` on this connection."""
    connection.register(SETUPS_VIEW, pd.DataFrame({"setup_id": pd.Series(list(ids), dtype=object)}))


def describe_ids(ids: Sequence[str], limit: int = 5) -> str:
    """The first few ids for an error message, with how many more there are."""
    shown = ", ".join(ids[:limit])
    return shown + (f" … (+{len(ids) - limit} more)" if len(ids) > limit else "")
