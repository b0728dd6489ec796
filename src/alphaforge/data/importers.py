"""Read user files (CSV, Parquet; one file or a folder of per-symbol files) into canonical bars.

The importer maps columns (explicit ``--column close=Close`` first, then common spellings),
converts the timestamp convention (bar open → bar end with ``interval``) and time zone, then
validates. Every error names the file, column and row and says how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa

from alphaforge.data.schema import (
    BAR_COLUMNS,
    KEY_COLUMN,
    MACRO_COLUMNS,
    ValidationReport,
    validate_bars,
    validate_macro,
)
from alphaforge.errors import InputError
from alphaforge.timestamps import to_duration

Stamp = Literal["open", "close"]
SUPPORTED_SUFFIXES = (".csv", ".parquet", ".pq", ".csv.gz")

_ALIASES = {
    "timestamp": ("timestamp", "date", "datetime", "time", "open_time", "opentime", "time_stamp", "dt"),
    "symbol": ("symbol", "ticker", "pair", "instrument", "asset"),
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c", "price", "last", "adj close", "adj_close"),
    "volume": ("volume", "vol", "v"),
    "series": ("series", "name", "id"),
    "value": ("value", "val", "observation"),
}


@dataclass(frozen=True)
class ImportOptions:
    """How to read a user's file(s)."""

    column_map: Mapping[str, str] = field(default_factory=dict)
    symbol: str | None = None
    stamp: Stamp = "close"
    interval: str | None = None
    tz: str | None = None
    kind: Literal["bars", "macro"] = "bars"


def parse_column_map(items: list[str]) -> dict[str, str]:
    """Parse ``["close=Close", "timestamp=Date"]`` into ``{"close": "Close", ...}``."""
    mapping: dict[str, str] = {}
    for item in items:
        target, sep, source = item.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise InputError(f"bad --column {item!r}", fix="write it as CANONICAL=SOURCE, e.g. --column close=Close")
        if target.strip() not in _ALIASES:
            raise InputError(f"unknown canonical column {target.strip()!r} in --column {item!r}",
                             fix=f"canonical columns are: {', '.join(_ALIASES)}")
        mapping[target.strip()] = source.strip()
    return mapping


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".csv.gz" if name.endswith(".csv.gz") else path.suffix.lower()


def _read_table(path: Path) -> pd.DataFrame:
    suffix = _suffix(path)
    if path.stat().st_size == 0:
        raise InputError("empty file", where=str(path), fix="check the export; the file has no bytes")
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, engine="pyarrow")
    except (pa.ArrowInvalid, pa.ArrowException, ValueError, OSError, UnicodeDecodeError) as exc:
        kind = "Parquet" if suffix in (".parquet", ".pq") else "CSV"
        raise InputError(f"cannot read as {kind}: {exc}", where=str(path),
                         fix=f"check the file is a complete, valid {kind} file (re-export or re-download it)") from None
    if frame.empty:
        raise InputError("file has a header but no rows", where=str(path), fix="export the data again")
    return frame


def _map_columns(frame: pd.DataFrame, options: ImportOptions, source: str) -> pd.DataFrame:
    """Rename source columns to canonical names; explicit mapping wins over aliases."""
    wanted = MACRO_COLUMNS if options.kind == "macro" else BAR_COLUMNS
    lower = {str(c).strip().lower(): c for c in frame.columns}
    renames: dict[str, str] = {}
    for target in wanted:
        explicit = options.column_map.get(target)
        if explicit is not None:
            if explicit not in frame.columns:
                raise InputError(f"--column {target}={explicit}: no column {explicit!r}; found {list(frame.columns)}",
                                 where=source, fix="use one of the file's column names")
            renames[explicit] = target
            continue
        for alias in _ALIASES[target]:
            if alias in lower and lower[alias] not in renames:
                renames[lower[alias]] = target
                break
    mapped = frame.rename(columns=renames)
    return mapped[[c for c in wanted if c in mapped.columns]]


def _convert_timestamps(frame: pd.DataFrame, options: ImportOptions, source: str) -> pd.DataFrame:
    if "timestamp" not in frame.columns:
        return frame
    ts = frame["timestamp"]
    if pd.api.types.is_integer_dtype(ts):
        unit = "ms" if ts.abs().max() > 10**11 else "s"
        ts = pd.to_datetime(ts, unit=unit, utc=True)
    elif not pd.api.types.is_datetime64_any_dtype(ts):
        parsed = pd.to_datetime(ts, errors="coerce", format="mixed")
        bad = parsed.isna() & ts.notna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(f"unparseable timestamp {ts.iloc[row]!r}",
                             where=f"{source}, column 'timestamp', row {frame.index[row]}",
                             fix="use ISO-8601 timestamps, or map the right column with --column timestamp=...")
        ts = parsed
    if getattr(ts.dt, "tz", None) is None:
        if options.tz is None:
            raise InputError("timestamps have no time zone", where=f"{source}, column 'timestamp'",
                             fix="pass --tz with the zone they are in (e.g. --tz UTC, --tz America/New_York)")
        try:
            ts = ts.dt.tz_localize(options.tz, ambiguous="raise", nonexistent="raise")
        except Exception as exc:  # pytz/zoneinfo raise several unrelated types
            raise InputError(f"cannot localise timestamps to {options.tz!r}: {exc}",
                             where=f"{source}, column 'timestamp'",
                             fix="check --tz is an IANA zone name and the times exist in it") from None
    if options.stamp == "open":
        if not options.interval:
            raise InputError("--stamp open needs --interval", where=source,
                             fix="say the bar length, e.g. --stamp open --interval 1h")
        ts = ts + to_duration(options.interval, "--interval")  # issue 20: 'banana' raised ValueError
    return frame.assign(timestamp=ts)


def read_file(path: Path, options: ImportOptions, *, default_key: str | None = None) -> pd.DataFrame:
    """One file as a canonical (not yet validated) frame, indexed by file line number for messages."""
    source = str(path)
    frame = _read_table(path)
    frame = _map_columns(frame, options, source)
    key = KEY_COLUMN[options.kind]
    if key not in frame.columns:
        frame[key] = options.symbol or default_key or path.stem
    frame.index = pd.RangeIndex(len(frame)) if _suffix(path) in (".parquet", ".pq") \
        else pd.RangeIndex(2, len(frame) + 2)  # CSV: line 1 is the header
    return _convert_timestamps(frame, options, source)


def list_input_files(path: Path) -> list[Path]:
    """The files an import of ``path`` reads: the file itself, or every data file in a folder."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", where=str(path), fix="check the path")
    if path.is_file():
        if _suffix(path) not in SUPPORTED_SUFFIXES:
            raise InputError(f"unsupported file type {_suffix(path)!r}", where=str(path),
                             fix=f"convert it to one of {', '.join(SUPPORTED_SUFFIXES)}")
        return [path]
    files = sorted(p for p in path.iterdir() if p.is_file() and _suffix(p) in SUPPORTED_SUFFIXES)
    if not files:
        raise InputError("folder holds no CSV or Parquet files", where=str(path),
                         fix=f"put one file per symbol ({', '.join(SUPPORTED_SUFFIXES)}) in it")
    return files


def _stem(path: Path) -> str:
    name = path.name
    for suffix in SUPPORTED_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def import_path(path: Path, options: ImportOptions | None = None) -> tuple[pd.DataFrame, ValidationReport]:
    """Read and validate a file or a folder of per-symbol (per-series) files.

    A file without a symbol column takes ``options.symbol``, else its file name
    (``BTCUSDT.csv`` → ``BTCUSDT``).
    """
    options = options or ImportOptions()
    files = list_input_files(Path(path))
    frames = [read_file(f, options, default_key=_stem(f)) for f in files]
    frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    validate = validate_macro if options.kind == "macro" else validate_bars
    return validate(frame, str(path))
