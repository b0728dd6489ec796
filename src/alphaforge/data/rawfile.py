"""The raw store's Parquet files: the layout they are written in, and verified reads of part of one.

Layout. A dataset's rows are sorted by key (symbol for bars, series for macro), then time.
:func:`write_raw_parquet` writes each key's rows in row groups of their own, at most
:data:`ROW_GROUP_ROWS` rows each, so every group's min/max statistics in the footer name one
key and one time span: a reader finds the groups holding a symbol's last rows from the footer
alone (prediction reads the warm-up it needs, not the history). Timestamps are delta-encoded and
floats byte-stream-split before zstd, which keeps the file smaller than pandas' default
(one dictionary-encoded group: 41 MB for 1 M hourly bars, 32 MB so) and as fast to read whole.
A file written otherwise (before this layout, or by hand) still reads: its groups' statistics
just span several keys, and more of it is read.

Integrity. The manifest records the sha256 of the whole file, and checking it means reading the
whole file. A read of some row groups checks what it reads instead. The first time a file version
is checked in full (when it is written, or on its first read), one pass over the file hashes the
whole and, beside it, the footer and each row group's bytes; when the whole matches the manifest,
those part hashes are recorded beside the file (``verified.json``, a
:class:`~alphaforge.artifacts.verified.VerifiedParquet`). A partial read (:class:`RawFile`) hashes
the footer (which says where every group is) and each group it reads, and compares them with the
record. Any difference, and a missing, damaged or stale record, sends it back to the full check:
that refuses a modified or corrupt file (:class:`FileMismatch`) or, the file being intact,
records it anew. Bytes a partial read does not decode are not checked by it; the next read of
them, or any full read, checks them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alphaforge.artifacts.verified import ByteRange, VerifiedParquet
from alphaforge.errors import InputError, MissingInputError
from alphaforge.workspace import atomic_path

ROW_GROUP_ROWS = 4096
"""Rows per row group at most: a symbol's last rows are one or two groups, and a whole file still
reads about as fast as one group (1 M hourly bars of 20 symbols: 260 groups, 0.10 s against 0.09 s)."""
RECORD_FILENAME = "verified.json"
_CHUNK = 1 << 20
_MAGIC = b"PAR1"

Span = tuple[int, int]
"""(offset, length) of a part of a file, in bytes."""


class FileMismatch(Exception):
    """The file's bytes are not those its manifest's sha256 was taken of."""


def write_raw_parquet(path: Path, frame: pd.DataFrame, key: str) -> None:
    """Write ``frame`` (sorted by ``key``, then time) atomically in the layout of the module docstring."""
    table = pa.Table.from_pandas(frame, preserve_index=False)  # what DataFrame.to_parquet(index=False) writes
    encodings = {f.name: "BYTE_STREAM_SPLIT" for f in table.schema if pa.types.is_floating(f.type)}
    encodings |= {f.name: "DELTA_BINARY_PACKED" for f in table.schema if pa.types.is_timestamp(f.type)}
    dictionary = [name for name in table.column_names if name not in encodings]
    codes = pd.factorize(frame[key])[0]
    edges = np.concatenate(([0], np.flatnonzero(codes[1:] != codes[:-1]) + 1, [len(frame)])).tolist()
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, table.schema, compression="zstd", use_dictionary=dictionary,
                                                    column_encoding=encodings) as writer:
        for start, stop in pairwise(edges):
            if stop > start:
                writer.write_table(table.slice(start, stop - start), row_group_size=ROW_GROUP_ROWS)


def record_path(data_path: Path) -> Path:
    """Where the verification record of the raw file ``data_path`` is kept."""
    return Path(data_path).with_name(RECORD_FILENAME)


def _footer(handle: object, size: int) -> Span:
    """The footer's (offset, length): the Thrift metadata, its length and the closing magic."""
    if size < 12:
        raise ValueError("too short for Parquet")
    handle.seek(size - 8)  # type: ignore[attr-defined]
    tail = handle.read(8)  # type: ignore[attr-defined]
    length = int.from_bytes(tail[:4], "little") + 8
    if tail[4:] != _MAGIC or length > size - 4:
        raise ValueError("no Parquet footer")
    return size - length, length


def _group_spans(metadata: pq.FileMetaData) -> list[Span]:
    """Each row group's bytes: from its first column chunk's first page to its last chunk's end."""
    spans = []
    for index in range(metadata.num_row_groups):
        group = metadata.row_group(index)
        starts = [c.dictionary_page_offset if c.has_dictionary_page else c.data_page_offset
                  for c in (group.column(j) for j in range(group.num_columns))]
        stops = [start + group.column(j).total_compressed_size for j, start in enumerate(starts)]
        spans.append((min(starts), max(stops) - min(starts)) if starts else (0, 0))
    return spans


def _footer_of(path: Path) -> tuple[int, Span]:
    """(size, footer) of the file ``path``."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        return size, _footer(handle, size)


def _layout(path: Path) -> tuple[int, Span, list[Span]] | None:
    """(size, footer, row groups) of a Parquet file whose parts lie in order without overlapping;
    None for a file that is not readable as such."""
    try:
        size, footer = _footer_of(path)
        spans = _group_spans(pq.read_metadata(path))
    except (OSError, ValueError, pa.ArrowException):
        return None
    ends = [4, *(offset + length for offset, length in spans)]
    if any(offset < end for (offset, _), end in zip([*spans, footer], ends)):
        return None
    return size, footer, spans


def _hash_spans(path: Path, spans: Sequence[Span]) -> tuple[str, list[str]]:
    """The whole file's sha256 and each of ``spans``' (in order, disjoint), from one pass over it."""
    whole, parts = hashlib.sha256(), [hashlib.sha256() for _ in spans]
    current, position = 0, 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            whole.update(chunk)
            view, end = memoryview(chunk), position + len(chunk)
            while current < len(spans) and spans[current][0] < end:
                offset, length = spans[current]
                low, high = max(offset, position), min(offset + length, end)
                parts[current].update(view[low - position:high - position])
                if offset + length > end:
                    break  # continues in the next chunk
                current += 1
            position = end
    return whole.hexdigest(), [part.hexdigest() for part in parts]


def _read_hashes(path: Path, spans: Sequence[Span]) -> list[str]:
    """sha256 of each of ``spans``, reading only them."""
    digests = []
    with open(path, "rb") as handle:
        for offset, length in spans:
            handle.seek(offset)
            digests.append(hashlib.sha256(handle.read(length)).hexdigest())
    return digests


def record_file(path: Path) -> str:
    """The sha256 of the file ``path`` (as just written), its parts' hashes recorded beside it."""
    whole, record = _measure(path)
    if record is not None:
        save_record(path, record)
    return whole


def verify_file(path: Path, sha256: str) -> VerifiedParquet | None:
    """Check the whole file against ``sha256`` (:class:`FileMismatch` when it differs) and record
    its parts' hashes beside it; None when its parts cannot be located (not Parquet as this
    module writes and reads it: reading it will say what is wrong)."""
    whole, record = _measure(path)
    if whole != sha256:
        raise FileMismatch(str(path))
    return save_record(path, record) if record is not None else None


def _measure(path: Path) -> tuple[str, VerifiedParquet | None]:
    """The whole file's sha256 and, when its parts can be located, the record of their hashes."""
    layout = _layout(path)
    spans = [*layout[2], layout[1]] if layout else []
    whole, parts = _hash_spans(path, spans)
    if layout is None:
        return whole, None
    return whole, VerifiedParquet(
        file_sha256=whole, size=layout[0], footer=ByteRange(offset=spans[-1][0], length=spans[-1][1], sha256=parts[-1]),
        row_groups=[ByteRange(offset=o, length=n, sha256=h) for (o, n), h in zip(spans[:-1], parts[:-1])])


def save_record(path: Path, record: VerifiedParquet) -> VerifiedParquet:
    """Write ``record`` beside the raw file ``path``; a workspace that cannot be written to keeps
    no record, and every read checks the whole file."""
    try:
        record.save(record_path(path))
    except OSError:
        pass
    return record


def load_record(path: Path, sha256: str) -> VerifiedParquet | None:
    """The recorded verification of the raw file ``path`` at ``sha256``; None when there is none
    usable (missing, damaged, or of another file version)."""
    try:
        record = VerifiedParquet.load(record_path(path))
    except (InputError, MissingInputError):
        return None
    return record if record.file_sha256 == sha256 else None


@dataclass(frozen=True)
class RowGroup:
    """One row group's statistics: its row count, the keys it may hold (``first_key`` to
    ``last_key``) and its time span in UTC nanoseconds; None where the footer records none."""

    index: int
    rows: int
    first_key: str | None
    last_key: str | None
    start_ns: int | None
    stop_ns: int | None

    def may_hold(self, key: str) -> bool:
        """Whether rows of ``key`` may be in this group."""
        return (self.first_key is None or self.first_key <= key) and (self.last_key is None or key <= self.last_key)

    def overlaps(self, start_ns: int | None, end_ns: int | None) -> bool:
        """Whether this group may hold rows timed in ``[start_ns, end_ns]`` (None: open)."""
        return ((start_ns is None or self.stop_ns is None or self.stop_ns >= start_ns)
                and (end_ns is None or self.start_ns is None or self.start_ns <= end_ns))


def _statistics(metadata: pq.FileMetaData, key: str) -> list[RowGroup]:
    names = metadata.schema.names
    key_at, time_at = names.index(key), names.index("timestamp")

    def bounds(group: pq.RowGroupMetaData, column: int) -> tuple[object, object]:
        stats = group.column(column).statistics
        return (stats.min_raw, stats.max_raw) if stats is not None and stats.has_min_max else (None, None)

    groups = []
    for index in range(metadata.num_row_groups):
        group = metadata.row_group(index)
        first, last = bounds(group, key_at)
        start, stop = bounds(group, time_at)
        text = [value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
                for value in (first, last)]
        integer = [value if isinstance(value, int) else None for value in (start, stop)]
        groups.append(RowGroup(index, group.num_rows, text[0], text[1], integer[0], integer[1]))
    return groups


class RawFile:
    """A raw data file opened for reading some of its row groups, each checked against the record
    (see the module docstring). :func:`open_raw_file` opens one."""

    def __init__(self, path: Path, sha256: str, record: VerifiedParquet, key: str) -> None:
        self.path, self.sha256, self.record = Path(path), sha256, record
        # a few small groups: without read-ahead buffers and threads (each thread keeps allocator memory)
        # a prediction's reads on 1 M rows add 37 MB of RSS, not 59, and take 45 ms, not 74
        self._file = pq.ParquetFile(path, pre_buffer=False)
        if self._file.metadata.num_row_groups != len(record.row_groups):  # a record not made of this footer
            self.record = _full_check(self.path, sha256)
        self.groups = _statistics(self._file.metadata, key)

    def read(self, indices: Sequence[int]) -> pa.Table:
        """The row groups ``indices`` (in that order) as one table, after checking their bytes."""
        indices = list(indices)
        spans = [(self.record.row_groups[i].offset, self.record.row_groups[i].length) for i in indices]
        if _read_hashes(self.path, spans) != [self.record.row_groups[i].sha256 for i in indices]:
            self.record = _full_check(self.path, self.sha256)  # the record was wrong, or the file is
            if _read_hashes(self.path, spans) != [self.record.row_groups[i].sha256 for i in indices]:
                raise FileMismatch(str(self.path))
        return self._file.read_row_groups(indices, use_threads=False, use_pandas_metadata=True)


def _full_check(path: Path, sha256: str) -> VerifiedParquet:
    record = verify_file(path, sha256)
    if record is None:
        raise FileMismatch(str(path))  # matches its sha256, yet is no longer Parquet we can locate: cannot be
    return record


def open_raw_file(path: Path, sha256: str, key: str) -> RawFile | None:
    """``path`` (of sha256 ``sha256``, sorted by ``key``) opened for partial reads, its footer
    checked against the record (the whole file is checked first when there is no usable record);
    None when it cannot be read in parts (read it whole). :class:`FileMismatch` when it is not
    the file its sha256 was taken of."""
    record = load_record(path, sha256)
    try:
        size, footer = _footer_of(path) if record is not None else (-1, (0, 0))
    except (OSError, ValueError):
        size, footer = -1, (0, 0)
    if (record is None or size != record.size or footer != (record.footer.offset, record.footer.length)
            or _read_hashes(path, [footer]) != [record.footer.sha256]):
        record = verify_file(path, sha256)
        if record is None:
            return None
    return RawFile(path, sha256, record, key)
