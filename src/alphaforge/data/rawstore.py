"""The immutable raw store: ``data/raw/<dataset>/`` with a manifest and every version kept.

A dataset is written once. Importing identical content again is a no-op; different content
under the same name needs ``replace=True`` and the previous version stays on disk (the
manifest's ``versions`` list keeps its record). Each version records the sha256 of its
content (independent of the Parquet encoder) and of its file, rows, symbols and time range,
so every derived artifact can name exactly what it was made from.

Files are written in row groups of one key each (:mod:`alphaforge.data.rawfile`), so
:meth:`RawStore.load_recent` reads each symbol's last rows without the history, checking the
bytes it reads against hashes taken when the whole file last matched its sha256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from alphaforge.artifacts import read_json
from alphaforge.data import rawfile
from alphaforge.data._recent import Recent, read_recent
from alphaforge.data.schema import (
    KEY_COLUMN,
    timestamp_ns,
    validate_bars,
    validate_macro,
)
from alphaforge.errors import AlphaForgeError, InputError, MissingInputError
from alphaforge.names import check_name, confined_path
from alphaforge.workspace import atomic_write_json, file_sha256

Kind = Literal["bars", "macro"]
DATA_FILENAME = "data.parquet"
MANIFEST_FILENAME = "manifest.json"


def content_sha256(frame: pd.DataFrame) -> str:
    """Fingerprint of a frame's column names and values, independent of dtype resolution and of the
    Parquet writer (times hash as UTC nanoseconds, numbers as float64, the rest as text)."""
    digest = hashlib.sha256()
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            kind, payload = "time", timestamp_ns(values).tobytes()
        elif pd.api.types.is_numeric_dtype(values):
            kind, payload = "number", np.ascontiguousarray(values.to_numpy(dtype="float64")).tobytes()
        else:  # codes in order of first appearance + the distinct strings: fast and order-sensitive
            codes, uniques = pd.factorize(values.astype(str))
            kind, payload = "text", codes.astype("int64").tobytes() + "\x00".join(uniques).encode()
        digest.update(f"{column}:{kind}\n".encode())
        digest.update(payload)
    return digest.hexdigest()


@dataclass(frozen=True)
class RawVersion:
    """One stored version of a dataset."""

    version: str
    content_sha256: str
    file_sha256: str
    rows: int
    keys: list[str]
    start: str
    end: str
    created: str
    source: str
    columns: list[str]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _summarise(frame: pd.DataFrame, kind: Kind) -> tuple[list[str], str, str]:
    keys = sorted(frame[KEY_COLUMN[kind]].unique().tolist())
    return keys, frame["timestamp"].min().isoformat(), frame["timestamp"].max().isoformat()


class RawStore:
    """Datasets under ``root`` (a workspace's ``data/raw``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _manifest_path(self, name: str) -> Path:
        """Where dataset ``name``'s manifest is; a name that is not a plain folder name is refused, so no
        read or write of the raw store leaves ``data/raw/``."""
        return self.root / check_name(name, where="dataset name") / MANIFEST_FILENAME

    def manifest(self, name: str) -> dict[str, Any]:
        """The manifest of dataset ``name``; a missing dataset names the command that creates it."""
        path = self._manifest_path(name)
        if not path.is_file():
            available = self.names()
            raise MissingInputError(
                f"no dataset '{name}' in the raw store" + (f" (have: {', '.join(available)})" if available else ""),
                where=str(self.root),
                fix="import it first: `alphaforge data demo` for the bundled data, or `alphaforge data import PATH "
                    f"--name {name}`" + (f"; or work on one you have: set [data] dataset = \"{available[0]}\" in "
                                         "alphaforge.toml (`data synth|import|download --use` sets it)"
                                         if available else ""),
            )
        return read_json(path, fix="restore it from a backup, or re-import the dataset with --replace")

    def names(self) -> list[str]:
        """Names of the stored datasets."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / MANIFEST_FILENAME).is_file())

    def kind(self, name: str) -> Kind:
        return self.manifest(name)["kind"]

    def current(self, name: str) -> RawVersion:
        """The version in use."""
        manifest = self.manifest(name)
        entry = next(v for v in manifest["versions"] if v["version"] == manifest["current"])
        return RawVersion(**entry)

    def write(self, name: str, frame: pd.DataFrame, *, kind: Kind, source: str,
              replace: bool = False, extra: dict[str, Any] | None = None) -> tuple[RawVersion, bool]:
        """Store validated ``frame`` as dataset ``name``; returns (version, created).

        ``created`` is False when identical content was already stored. Different content under an
        existing name raises unless ``replace``; the old version is kept either way.
        """
        path = self._manifest_path(name)  # the name first: a bad one is refused before any work
        frame, _ = (validate_bars if kind == "bars" else validate_macro)(frame, source)
        digest = content_sha256(frame)
        manifest = self.manifest(name) if path.is_file() else None
        if manifest is not None:
            if manifest["kind"] != kind:
                raise InputError(f"dataset '{name}' holds {manifest['kind']}, not {kind}", where=str(path),
                                 fix="choose another --name")
            for entry in manifest["versions"]:
                if entry["content_sha256"] == digest:
                    if manifest["current"] != entry["version"]:
                        manifest["current"] = entry["version"]
                        atomic_write_json(path, manifest)
                    return RawVersion(**entry), False
            if not replace:
                raise InputError(
                    f"dataset '{name}' already exists with different content", where=str(path.parent),
                    fix="pass --replace to make this the current version (the old one is kept), or choose --name",
                )
        version_id = f"v{len(manifest['versions']) + 1 if manifest else 1}-{digest[:12]}"
        data_path = self.root / name / version_id / DATA_FILENAME
        rawfile.write_raw_parquet(data_path, frame, KEY_COLUMN[kind])
        keys, start, end = _summarise(frame, kind)
        version = RawVersion(
            version=version_id, content_sha256=digest, file_sha256=rawfile.record_file(data_path), rows=len(frame),
            keys=keys, start=start, end=end, created=pd.Timestamp.now(tz="UTC").isoformat(), source=source,
            columns=list(frame.columns),
        )
        manifest = manifest or {"name": name, "kind": kind, "versions": []}
        manifest["versions"].append(version.to_dict())
        manifest["current"] = version_id
        manifest.update(extra or {})
        atomic_write_json(path, manifest)
        return version, True

    def _data_path(self, name: str) -> tuple[RawVersion, Path]:
        """The current version of ``name`` and its data file, which must exist."""
        version = self.current(name)
        data_path = confined_path(self.root / name, f"{version.version}/{DATA_FILENAME}",
                                  where=str(self._manifest_path(name)))  # the manifest's version names a folder
        if not data_path.is_file():
            raise AlphaForgeError("data file missing", where=str(data_path),
                                  fix=f"re-import the dataset with `alphaforge data import ... --name {name} --replace`")
        return version, data_path

    @staticmethod
    def _mismatch(name: str, data_path: Path) -> AlphaForgeError:
        return AlphaForgeError("data file does not match its manifest sha256 (modified or corrupt)",
                               where=str(data_path),
                               fix=f"raw data is immutable: re-import it with --replace under '{name}'")

    def load(self, name: str, *, verify: bool = True) -> pd.DataFrame:
        """The current version's data; with ``verify`` the file's sha256 is checked first (and,
        the first time, its parts' hashes recorded for :meth:`load_recent`)."""
        version, data_path = self._data_path(name)
        if verify:
            try:
                if rawfile.load_record(data_path, version.file_sha256) is None:
                    rawfile.verify_file(data_path, version.file_sha256)
                elif file_sha256(data_path) != version.file_sha256:
                    raise rawfile.FileMismatch(str(data_path))
            except rawfile.FileMismatch:
                raise self._mismatch(name, data_path) from None
        return pd.read_parquet(data_path)

    def load_recent(self, name: str, keys: Sequence[str], want: Recent) -> pd.DataFrame:
        """The rows of ``keys`` that ``want`` asks for (a cut-off, the rows before it, a time
        range: see :class:`~alphaforge.data._recent.Recent`), exactly as :meth:`load` then
        filtering would give them, reading only the row groups that hold them; the footer and
        every group read are checked against the file's verification record (see
        :mod:`alphaforge.data.rawfile`)."""
        version, data_path = self._data_path(name)
        column = KEY_COLUMN[self.kind(name)]
        try:
            raw = rawfile.open_raw_file(data_path, version.file_sha256, column)
            table = read_recent(raw, column, keys, want) if raw is not None else None
        except rawfile.FileMismatch:
            raise self._mismatch(name, data_path) from None
        if table is None:  # not readable in parts: read whole (which says what is wrong with it)
            return _recent_of(self.load(name), column, keys, want)
        return table.to_pandas()

    def remember(self, name: str, key: str, compute: Callable[[], Any]) -> Any:
        """A JSON value derived from the current version's data, computed by ``compute`` the first
        time and kept in the version's verification record (made only from a file that matched
        its sha256), so it is computed once per version, not once per call."""
        version, data_path = self._data_path(name)
        record = rawfile.load_record(data_path, version.file_sha256)
        if record is not None and key in record.summaries:
            return record.summaries[key]
        value = compute()
        record = rawfile.load_record(data_path, version.file_sha256)  # compute's full read makes one
        if record is not None:
            rawfile.save_record(data_path, record.model_copy(update={"summaries": {**record.summaries, key: value}}))
        return value


def _recent_of(frame: pd.DataFrame, column: str, keys: Sequence[str], want: Recent) -> pd.DataFrame:
    """:meth:`RawStore.load_recent` computed from a whole frame: the naive form of :func:`read_recent`."""
    times = timestamp_ns(frame["timestamp"])
    in_range = np.ones(len(frame), dtype=bool)
    if want.start_ns is not None:
        in_range &= times >= want.start_ns
    if want.end_ns is not None:
        in_range &= times <= want.end_ns
    keep = np.zeros(len(frame), dtype=bool)
    for key in dict.fromkeys(keys):
        rows = np.flatnonzero(in_range & (frame[column] == key).to_numpy())
        if len(rows):
            before = int(np.searchsorted(times[rows], want.cutoff(times[rows]), side="left"))
            keep[rows[max(0, before - want.rows):]] = True
    return frame[keep].reset_index(drop=True)
