"""The events file every command reads (store fill --events, targets build --events)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest

from alphaforge.data.events import event_keys, read_events
from alphaforge.errors import InputError


def test_csv_and_parquet_give_the_same_keys(tmp_path: Path) -> None:
    events = pd.DataFrame({"symbol": ["B", "A"], "timestamp": ["2024-01-02 10:00", "2024-01-02T11:00:00+01:00"],
                           "event": ["x", "y"]})
    events.to_csv(tmp_path / "e.csv", index=False)
    events.to_parquet(tmp_path / "e.parquet")
    csv, parquet = (event_keys(read_events(tmp_path / name)) for name in ("e.csv", "e.parquet"))
    pd.testing.assert_frame_equal(csv, parquet)
    assert list(csv.columns) == ["symbol", "timestamp"] and csv["symbol"].tolist() == ["B", "A"]
    assert (csv["timestamp"] == pd.Timestamp("2024-01-02 10:00", tz="UTC")).all()  # naive is UTC; +01:00 converted


def test_a_missing_file_column_or_date_says_where(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such events file"):
        read_events(tmp_path / "absent.csv")
    with pytest.raises(InputError, match=r"lack column\(s\) \['timestamp'\]"):
        event_keys(pd.DataFrame({"symbol": ["A"], "time": ["2024-01-01"]}))
    with pytest.raises(InputError, match="events row 1") as caught:
        event_keys(pd.DataFrame({"symbol": ["A", "A"], "timestamp": ["2024-01-01", "soon"]}))
    assert "'soon' is not a date" in str(caught.value)


@pytest.mark.parametrize(("name", "data"), [
    ("e.csv", pickle.dumps({"symbol": "A"})),  # a pickle, never unpickled
    ("e.csv", b"symbol,timestamp,event\nA,2024-01-02,caf\xe9\n"),  # Latin-1, not UTF-8
    ("e.parquet", pickle.dumps([1, 2])),
    ("e.csv", b""),
], ids=["pickle", "latin-1", "pickle-as-parquet", "empty"])
def test_a_pickle_or_bytes_that_are_no_table_is_an_input_error_naming_the_file(tmp_path: Path, name: str,
                                                                               data: bytes) -> None:
    """Issue 20: a pickle or non-UTF-8 bytes as an events file raised UnicodeDecodeError."""
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match="cannot read the events file") as info:
        read_events(path)
    assert info.value.where == str(path) and "UTF-8 CSV" in info.value.fix
