"""Partial reads of raw files: each symbol's recent rows, read from a few row groups, are exactly
those a whole read then filter gives, and the bytes read are checked against the manifest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alphaforge.data import rawfile
from alphaforge.data._recent import Recent
from alphaforge.data.rawstore import RawStore
from alphaforge.errors import AlphaForgeError

START = pd.Timestamp("2021-01-01", tz="UTC")


def _panel() -> pd.DataFrame:
    """Three symbols of different lengths, ending at different times, one with a gap."""
    parts = []
    for symbol, (offset, rows) in {"AAA": (0, 60), "BBB": (5, 37), "CCC": (20, 25)}.items():
        stamps = START + pd.to_timedelta(np.arange(offset, offset + rows), unit="h")
        if symbol == "BBB":
            stamps = stamps.where(np.arange(rows) < 20, stamps + pd.Timedelta(hours=9))  # a gap
        close = 100 + np.arange(rows, dtype=float)
        parts.append(pd.DataFrame({"symbol": symbol, "timestamp": stamps, "close": close}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(rawfile, "ROW_GROUP_ROWS", 7)  # many small groups: the reader must step across them
    store = RawStore(tmp_path)
    store.write("d", _panel(), kind="bars", source="test")
    return store


def _naive(frame: pd.DataFrame, keys: list[str], want: Recent) -> pd.DataFrame:
    """The request answered from the whole frame with pandas, written independently of the store."""
    times = frame["timestamp"].astype("int64")
    lo = want.start_ns if want.start_ns is not None else np.iinfo(np.int64).min
    hi = want.end_ns if want.end_ns is not None else np.iinfo(np.int64).max
    kept = []
    for key in dict.fromkeys(keys):
        rows = frame[(frame["symbol"] == key) & times.between(lo, hi)]
        if rows.empty:
            continue
        stamps = rows["timestamp"].astype("int64").to_numpy()
        cutoff = (want.since_ns if want.since_ns is not None
                  else stamps[-1] - want.span_ns if want.span_ns is not None else stamps[-1] + 1)
        first = max(0, int((stamps < cutoff).sum()) - want.rows)
        kept.append(rows.iloc[first:])
    order = {key: i for i, key in enumerate(sorted(frame["symbol"].unique()))}
    out = pd.concat(kept) if kept else frame.iloc[:0]
    return out.sort_values("symbol", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def _hours(n: int | None) -> int | None:
    return None if n is None else int((START + pd.Timedelta(hours=n)).value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(0, 70), since=st.one_of(st.none(), st.integers(-5, 90)),
       span=st.one_of(st.none(), st.integers(0, 80)), start=st.one_of(st.none(), st.integers(-5, 60)),
       end=st.one_of(st.none(), st.integers(0, 95)),
       keys=st.lists(st.sampled_from(["AAA", "BBB", "CCC"]), min_size=1, max_size=3, unique=True))
def test_recent_rows_equal_a_whole_read(store, rows, since, span, start, end, keys):
    want = Recent(rows=rows, since_ns=_hours(since), span_ns=None if span is None else span * 3_600 * 10**9,
                  start_ns=_hours(start), end_ns=_hours(end))
    got = store.load_recent("d", keys, want)
    pd.testing.assert_frame_equal(got, _naive(store.load("d"), sorted(keys), want), check_dtype=True)


def test_last_rows_read_only_the_groups_that_hold_them(store, monkeypatch):
    read: list[list[int]] = []
    original = rawfile.RawFile.read
    monkeypatch.setattr(rawfile.RawFile, "read", lambda self, indices: read.append(list(indices))
                        or original(self, indices))
    got = store.load_recent("d", ["AAA"], Recent(rows=3))
    assert got["close"].tolist() == [157.0, 158.0, 159.0]
    assert sum(len(r) for r in read) <= 2  # AAA's 60 rows lie in 9 groups of 7


def test_a_changed_row_group_is_refused_on_a_partial_read(store, tmp_path):
    store.load("d")  # the first full check records each group's hash
    path = next(tmp_path.glob("d/v1-*/data.parquet"))
    record = rawfile.load_record(path, store.current("d").file_sha256)
    last = record.row_groups[-1]
    data = bytearray(path.read_bytes())
    data[last.offset + last.length // 2] ^= 0xFF  # inside CCC's last group, footer untouched
    path.write_bytes(bytes(data))
    with pytest.raises(AlphaForgeError, match="does not match its manifest"):
        store.load_recent("d", ["CCC"], Recent(rows=2))


def test_a_damaged_record_costs_a_full_check_not_a_wrong_answer(store, tmp_path):
    path = next(tmp_path.glob("d/v1-*/data.parquet"))
    store.load("d")
    rawfile.record_path(path).write_text("{not json")
    got = store.load_recent("d", ["BBB"], Recent(rows=4))
    assert got["close"].tolist() == [133.0, 134.0, 135.0, 136.0]
    assert rawfile.load_record(path, store.current("d").file_sha256) is not None  # recorded anew


def test_a_file_written_in_one_group_still_reads(tmp_path):
    store = RawStore(tmp_path)
    store.write("d", _panel(), kind="bars", source="test")
    path = next(tmp_path.glob("d/v1-*/data.parquet"))
    _panel().to_parquet(path, index=False)  # other bytes: the manifest no longer matches
    with pytest.raises(AlphaForgeError, match="does not match its manifest"):
        store.load_recent("d", ["AAA"], Recent(rows=2))
