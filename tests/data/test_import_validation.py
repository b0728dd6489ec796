"""Every class of bad input is refused with a message naming file, column and row — and the
workspace is left exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

GOOD = """timestamp,open,high,low,close,volume
2021-01-01T01:00:00Z,10,11,9,10.5,100
2021-01-01T02:00:00Z,10.5,12,10,11,120
2021-01-01T03:00:00Z,11,11.5,10.5,11.2,90
"""


def _write(tmp_path: Path, text: str, name: str = "BTC.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _replace_line(text: str, line: int, new: str) -> str:
    lines = text.splitlines()
    lines[line] = new
    return "\n".join(lines) + "\n"


BAD_CASES = {
    "missing column": (GOOD.replace("close,", "closing,"), ["missing column", "close"]),
    "non-numeric": (_replace_line(GOOD, 2, "2021-01-01T02:00:00Z,10.5,12,10,abc,120"),
                    ["non-numeric", "'close'", "row 3"]),
    "NaN price": (_replace_line(GOOD, 2, "2021-01-01T02:00:00Z,10.5,12,10,,120"), ["NaN close", "row 3"]),
    "inf price": (_replace_line(GOOD, 2, "2021-01-01T02:00:00Z,10.5,12,10,inf,120"), ["infinite", "row 3"]),
    "high below close": (_replace_line(GOOD, 2, "2021-01-01T02:00:00Z,10.5,10.8,10,11,120"),
                         ["high", "below close", "row 3"]),
    "high below open": (_replace_line(GOOD, 2, "2021-01-01T02:00:00Z,10.9,10.8,10,10.7,120"),
                        ["high", "below open", "row 3"]),
    "low above open": (_replace_line(GOOD, 2, "2021-01-01T02:00:00Z,10.5,12,10.6,11,120"),
                       ["low", "above open", "row 3"]),
    "non-positive price": (_replace_line(GOOD, 2, "2021-01-01T02:00:00Z,0,12,0,11,120"),
                           ["non-positive open", "row 3"]),
    "negative volume": (_replace_line(GOOD, 2, "2021-01-01T02:00:00Z,10.5,12,10,11,-5"),
                        ["negative volume", "row 3"]),
    "conflicting duplicate": (GOOD + "2021-01-01T02:00:00Z,10.5,12,10,11.1,120\n",
                              ["conflicting duplicate", "2021-01-01 02:00:00"]),
    "naive timestamps": (GOOD.replace("Z,", ","), ["no time zone", "--tz"]),
    "empty file": ("", ["empty file"]),
    "header only": ("timestamp,open,high,low,close,volume\n", ["no rows"]),
    "empty symbol": ("symbol," + GOOD.splitlines()[0] + "\n" + "\n".join(
        ("," if i == 1 else "BTC,") + line for i, line in enumerate(GOOD.splitlines()[1:])) + "\n",
        ["empty symbol", "row 3"]),
    "unparseable timestamp": (_replace_line(GOOD, 2, "yesterday,10.5,12,10,11,120"), ["timestamp"]),
    "year 9999": (_replace_line(GOOD, 2, "9999-01-01T02:00:00Z,10.5,12,10,11,120"),
                  ["9999-01-01", "outside the years", "row 3"]),
    "NUL in a symbol": ("symbol," + GOOD.splitlines()[0] + "\n" + "\n".join(
        ("BTC\0," if i == 1 else "BTC,") + line for i, line in enumerate(GOOD.splitlines()[1:])) + "\n",
        ["symbol 'BTC\\x00'", "control", "row 3"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_is_refused_and_workspace_unchanged(case, workspace, cli, tmp_path, snapshot):
    cli("--workspace", workspace.root, "data", "import", _write(tmp_path, GOOD, "ETH.csv"))
    before = snapshot(workspace.root)
    text, expected = BAD_CASES[case]
    result = cli("--workspace", workspace.root, "data", "import", _write(tmp_path, text), "--name", "ETH",
                 "--replace")
    assert result.code == 2, result
    assert "BTC.csv" in result.stderr, result.stderr
    for fragment in expected:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert snapshot(workspace.root) == before


def test_an_interval_that_is_no_duration_is_refused(workspace, cli, tmp_path, snapshot):
    """Issue 20: `data import --stamp open --interval banana` raised ValueError."""
    before = snapshot(workspace.root)
    result = cli("--workspace", workspace.root, "data", "import", _write(tmp_path, GOOD), "--stamp", "open",
                 "--interval", "banana")
    assert result.code == 2 and "--interval 'banana' is not a duration" in result.stderr, result.stderr
    assert snapshot(workspace.root) == before


def test_corrupt_parquet_is_refused(workspace, cli, tmp_path, snapshot):
    path = tmp_path / "x.parquet"
    pd.read_csv(_write(tmp_path, GOOD)).assign(symbol="X").to_parquet(path)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    before = snapshot(workspace.root)
    result = cli("-w", workspace.root, "data", "import", path)
    assert result.code == 2 and "cannot read as Parquet" in result.stderr and "x.parquet" in result.stderr
    assert snapshot(workspace.root) == before


def test_unparseable_parquet_timestamp_names_its_row(workspace, cli, tmp_path):
    path = tmp_path / "x.parquet"
    frame = pd.read_csv(_write(tmp_path, GOOD)).assign(symbol="X")
    frame.loc[1, "timestamp"] = "yesterday"
    frame.to_parquet(path)
    result = cli("-w", workspace.root, "data", "import", path)
    assert result.code == 2 and "x.parquet, column 'timestamp', row 1" in result.stderr, result.stderr


def test_unsorted_rows_are_sorted_and_exact_duplicates_dropped(workspace, cli, tmp_path):
    lines = GOOD.splitlines()
    text = "\n".join([lines[0], lines[3], lines[1], lines[2], lines[2]]) + "\n"
    result = cli("-w", workspace.root, "data", "import", _write(tmp_path, text), "--json")
    assert result.code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["rows"] == 3 and payload["keys"] == ["BTC"]
    assert any("sorted" in n for n in payload["notices"]) and any("duplicate" in n for n in payload["notices"])


def test_column_mapping_stamp_and_timezone(workspace, cli, tmp_path):
    text = "Date,Open,High,Low,Close,Vol\n2021-01-04 09:00,1,2,0.5,1.5,10\n2021-01-04 10:00,1.5,2,1,1.8,12\n"
    path = _write(tmp_path, text, "AAA.csv")
    result = cli("-w", workspace.root, "data", "import", path, "--column", "volume=Vol", "--stamp", "open",
                 "--interval", "1h", "--tz", "America/New_York", "--json")
    assert result.code == 0, result.stderr
    payload = json.loads(result.stdout)
    # 09:00 New York (EST, UTC-5) opening bar of 1h ends at 10:00 EST = 15:00 UTC
    assert payload["start"] == "2021-01-04T15:00:00+00:00"


def test_close_only_data_is_accepted(workspace, cli, tmp_path):
    path = _write(tmp_path, "timestamp,symbol,close\n2021-01-01T00:00:00Z,A,1\n2021-01-02T00:00:00Z,A,2\n", "c.csv")
    result = cli("-w", workspace.root, "data", "import", path, "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["keys"] == ["A"]


def test_folder_of_per_symbol_files(workspace, cli, tmp_path):
    folder = tmp_path / "bars"
    folder.mkdir()
    _write(folder, GOOD, "BTCUSDT.csv")
    _write(folder, GOOD, "ETHUSDT.csv")
    result = cli("-w", workspace.root, "data", "import", folder, "--json")
    assert result.code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["dataset"] == "bars" and payload["keys"] == ["BTCUSDT", "ETHUSDT"] and payload["rows"] == 6


def test_bad_column_mapping_is_a_usage_error(workspace, cli, tmp_path):
    result = cli("-w", workspace.root, "data", "import", _write(tmp_path, GOOD), "--column", "clse=Close")
    assert result.code == 2 and "unknown canonical column" in result.stderr


def test_gaps_are_reported_not_errors(workspace, cli, tmp_path):
    text = GOOD + "2021-01-01T07:00:00Z,11,11.5,10.5,11.2,90\n"
    assert cli("-w", workspace.root, "data", "import", _write(tmp_path, text)).code == 0
    shown = json.loads(cli("-w", workspace.root, "data", "show", "BTC", "--json").stdout)
    assert shown["gaps"] == 1 and shown["missing_bars"] == 3 and shown["interval"] == "1h"
