"""The CSV copy of a table: pandas' bytes exactly, whichever writer writes them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

from alphaforge import csv_text
from alphaforge.csv_text import _duckdb_columns, write_csv


@pytest.fixture(autouse=True)
def _any_table_takes_duckdb(monkeypatch):
    """The properties below hold for any size: small tables are sent to DuckDB too."""
    monkeypatch.setattr(csv_text, "DUCKDB_MIN_ROWS", 0)

_TEXT = st.text(alphabet=st.sampled_from(list("ab Z,\"'\n\r\t;é-_.0")), max_size=6)
_FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e-5, 1e16, 1e15, 0.1, -0.0, 5e-324])


def _same_as_pandas(frame: pd.DataFrame, tmp_path) -> None:
    path = tmp_path / "table.csv"
    write_csv(frame, path)
    assert path.read_bytes() == frame.to_csv(index=False).encode()


@given(frame=data_frames([column("score", elements=_FLOATS, dtype=float),
                          column("fold", elements=st.integers(-2**62, 2**62), dtype=np.int64),
                          column("symbol", elements=st.none() | _TEXT, dtype=object)]),
       seconds=st.lists(st.one_of(st.none(), st.integers(-2_000_000_000, 4_000_000_000)), min_size=1, max_size=1))
@settings(max_examples=150, deadline=None)
def test_floats_integers_text_and_utc_times_are_written_as_pandas_writes_them(frame, seconds, tmp_path_factory):
    """Shortest round-trip floats (NaN empty, inf, -0.0, exponents), integers, text (quoted where
    it holds a comma, quote or line break; missing values empty) and UTC timestamps, NaT included."""
    stamp = pd.Timestamp(seconds[0], unit="s", tz="UTC") if seconds[0] is not None else pd.NaT
    frame = frame.assign(timestamp=pd.Series([stamp] * len(frame), dtype="datetime64[ns, UTC]"))
    _same_as_pandas(frame, tmp_path_factory.mktemp("csv"))


@given(seconds=st.lists(st.one_of(st.none(), st.integers(-2_000_000_000, 4_000_000_000)), min_size=1, max_size=30),
       fraction=st.booleans(), zone=st.sampled_from(["UTC", "Europe/Berlin"]))
@settings(max_examples=60, deadline=None)
def test_timestamps_of_any_zone_or_fraction_are_written_as_pandas_writes_them(seconds, fraction, zone,
                                                                              tmp_path_factory):
    stamps = pd.to_datetime(pd.Series([s if s is None else s * 1_000_000_000 + fraction * 1_500_000
                                       for s in seconds], dtype="Int64"), utc=True)
    frame = pd.DataFrame({"timestamp": stamps.dt.tz_convert(zone), "score": [0.1 * i for i in range(len(seconds))],
                          "trained_until": pd.Series(stamps).fillna(pd.Timestamp("2024-01-01", tz="UTC"))})
    _same_as_pandas(frame, tmp_path_factory.mktemp("csv"))


def test_other_column_kinds_are_written_as_pandas_writes_them(tmp_path):
    frame = pd.DataFrame({"flag": [True, False], "small": np.array([1e-4, 123456789.0], dtype=np.float32),
                          "count": pd.array([1, None], dtype="Int64"), "kind": pd.Categorical(["a", "b"])})
    for name in frame.columns:
        _same_as_pandas(frame[["count", name]], tmp_path)  # "count" twice: a repeated column name
    _same_as_pandas(frame.iloc[:0], tmp_path)


def test_a_prediction_table_takes_the_fast_writer():
    """The tables the pipeline writes (str symbols, UTC whole-second times, float64, int64) are
    written by DuckDB: the properties above compare its bytes, not pandas' against themselves."""
    times = pd.date_range("2024-01-01", periods=3, freq="h", tz="UTC")
    frame = pd.DataFrame({"symbol": pd.Series(["BTCUSDT", "ETH-USD", "BRK.B"], dtype="str"), "timestamp": times,
                          "score": [0.1, np.nan, -2.5], "fold": [0, 1, 2], "trained_until": times})
    assert _duckdb_columns(frame) is not None
