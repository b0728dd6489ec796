"""Each key's most recent rows of a raw file, read a few row groups at a time from its end.

What prediction needs of a symbol is a suffix of its rows: those from a cut-off on, and the
warm-up rows before it. The rows are sorted by key then time, and every row group's footer
statistics give its keys and time span (:mod:`alphaforge.data.rawfile`), so the groups holding a
key's suffix are the last of its groups: the reader starts with those its statistics put after
the cut-off (or the key's last group) and steps back one group at a time while the rows read do
not yet reach ``rows`` rows before the cut-off. The result is exactly the rows a full read
would give for the same request (a test compares them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from alphaforge.data.rawfile import RawFile, RowGroup


@dataclass(frozen=True)
class Recent:
    """Which rows of each key: those timed at or after a cut-off, and the ``rows`` rows before it.

    The cut-off is ``since_ns`` (the same for every key), else ``span_ns`` before the key's
    last row, else just after its last row (so: its last ``rows`` rows). Only rows timed in
    ``[start_ns, end_ns]`` count (None: open). Times are UTC nanoseconds.
    """

    rows: int = 0
    since_ns: int | None = None
    span_ns: int | None = None
    start_ns: int | None = None
    end_ns: int | None = None

    def cutoff(self, times: np.ndarray) -> int:
        """The cut-off for a key whose rows (read so far, a suffix of them) are timed ``times`` (not empty)."""
        if self.since_ns is not None:
            return self.since_ns
        last = int(times[-1])
        return last - self.span_ns if self.span_ns is not None else last + 1

    def in_range(self, times: pa.Array) -> pa.Array:
        """Which of ``times`` (int64 nanoseconds) lie in ``[start_ns, end_ns]``."""
        keep = pc.greater_equal(times, self.start_ns if self.start_ns is not None else np.iinfo(np.int64).min)
        return pc.and_(keep, pc.less_equal(times, self.end_ns)) if self.end_ns is not None else keep


def _enough(times: np.ndarray, earlier: RowGroup, want: Recent) -> bool:
    """Whether the rows read of a key (``times``) hold its whole answer, ``earlier`` being the group before them."""
    if not len(times):
        return False
    cutoff = want.cutoff(times)
    before = int(np.searchsorted(times, cutoff, side="left"))
    if before < want.rows:
        return False
    return before > 0 or (earlier.stop_ns is not None and earlier.stop_ns < cutoff)


def _nanoseconds(table: pa.Table) -> pa.Array:
    return pc.cast(table["timestamp"], pa.int64()).combine_chunks()


def read_recent(raw: RawFile, key_column: str, keys: Sequence[str], want: Recent) -> pa.Table:
    """The rows of ``keys`` that ``want`` asks for, in file order (key, then time)."""
    candidates = {key: [g for g in raw.groups if g.may_hold(key) and g.overlaps(want.start_ns, want.end_ns)]
                  for key in dict.fromkeys(keys)}
    first: dict[str, int] = {}  # per key: where the suffix of its candidate groups read so far starts
    for key, groups in candidates.items():
        first[key] = len(groups) - 1
        if want.since_ns is not None and groups:
            first[key] = next((i for i, g in enumerate(groups) if g.stop_ns is None or g.stop_ns >= want.since_ns),
                              first[key])
    tables: dict[int, pa.Table] = {}
    pending = [key for key, groups in candidates.items() if groups]
    while pending:
        needed = sorted({g.index for key in pending for g in candidates[key][first[key]:]} - tables.keys())
        if needed:
            table = raw.read(needed)
            offsets = np.cumsum([0, *(raw.groups[i].rows for i in needed)]).tolist()
            tables |= {index: table.slice(start, stop - start)
                       for index, start, stop in zip(needed, offsets[:-1], offsets[1:])}
        stepping = []
        for key in pending:
            if first[key] > 0 and not _enough(_key_times(tables, candidates[key][first[key]:], key_column, key, want),
                                              candidates[key][first[key] - 1], want):
                first[key] -= 1
                stepping.append(key)
        pending = stepping
    if not tables:
        return raw.read([])
    return _select(tables, {key: candidates[key][first[key]:] for key in candidates if candidates[key]},
                   key_column, want)


def _key_times(tables: dict[int, pa.Table], groups: list[RowGroup], key_column: str, key: str,
               want: Recent) -> np.ndarray:
    """Times (ns, ascending) of ``key``'s rows in range among ``groups``."""
    table = pa.concat_tables([tables[g.index] for g in groups])
    times = _nanoseconds(table)
    keep = pc.and_(pc.equal(table[key_column], key), want.in_range(times))
    return times.filter(keep).to_numpy()


def _select(tables: dict[int, pa.Table], suffixes: dict[str, list[RowGroup]], key_column: str,
            want: Recent) -> pa.Table:
    """The rows asked for, from the groups read: per key, those from its first kept time on."""
    table = pa.concat_tables([tables[index] for index in sorted(tables)])
    times = _nanoseconds(table)
    keep = pa.array(np.zeros(len(table), dtype=bool))
    for key, groups in suffixes.items():
        read = _key_times(tables, groups, key_column, key, want)
        if len(read):
            before = int(np.searchsorted(read, want.cutoff(read), side="left"))
            first = max(0, before - want.rows)
            if first == len(read):  # nothing at or after the cut-off, and no rows asked before it
                continue
            first_kept = int(read[first])
            keep = pc.or_(keep, pc.and_(pc.equal(table[key_column], key), pc.greater_equal(times, first_kept)))
    return table.filter(pc.and_(keep, want.in_range(times)))
