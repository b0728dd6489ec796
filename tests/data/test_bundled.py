"""The bundled real data: each set loads, passes schema validation unchanged, holds the documented
symbols, rows and ranges (reference numbers from the source packages), is stamped at bar end,
and matches its catalog entry. The build script's conversions are checked on small frames."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from alphaforge.data.bundled import BundledSet, get_bundled, list_bundled, load_bundled
from alphaforge.data.schema import TIMESTAMP_DTYPE, validate_bars, validate_macro
from alphaforge.errors import InputError

SET_NAMES = ["eurusd_1h", "macro", "sp500", "us_ohlcv"]
SP500_STOCKS = ["AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO", "LLY", "MRK", "MSFT",
                "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM"]
MACRO_ROWS = {"vix": 1259, "wti": 8321, "core_cpi": 743, "aaa": 1200, "baa": 1200, "treasury_3m": 6816,
              "treasury_2y": 6816, "treasury_5y": 6816, "treasury_10y": 6816, "treasury_30y": 5822}
BUNDLED_DIR = resources.files("alphaforge.data").joinpath("bundled")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_bundled_data.py"


@cache
def _frame(name: str) -> pd.DataFrame:
    return load_bundled(name)


def load(name: str) -> pd.DataFrame:
    """A set loaded once per test session; a copy so no test can disturb another."""
    return _frame(name).copy()


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def value_at(frame: pd.DataFrame, key: str, name: str, timestamp: pd.Timestamp, column: str) -> float:
    row = frame[(frame[key] == name) & (frame["timestamp"] == timestamp)]
    assert len(row) == 1, f"{name} at {timestamp}: {len(row)} rows"
    return float(row[column].iloc[0])


def test_catalog_lists_the_sets_in_name_order() -> None:
    assert [s.name for s in list_bundled()] == SET_NAMES


@pytest.mark.parametrize("name", SET_NAMES)
def test_set_passes_schema_validation_unchanged(name: str) -> None:
    frame = load(name)
    entry = get_bundled(name)
    validate = validate_bars if entry.kind == "bars" else validate_macro
    clean, report = validate(frame, source=name)
    assert report.notices == []
    pd.testing.assert_frame_equal(clean, frame)
    assert str(frame["timestamp"].dtype) == TIMESTAMP_DTYPE
    value_columns = [c for c in frame.columns if c not in ("symbol", "series", "timestamp")]
    assert all(frame[c].dtype == np.float64 for c in value_columns)


@pytest.mark.parametrize("name", SET_NAMES)
def test_catalog_entry_matches_the_file(name: str) -> None:
    entry = get_bundled(name)
    frame = load(name)
    assert hashlib.sha256(BUNDLED_DIR.joinpath(entry.file).read_bytes()).hexdigest() == entry.file_sha256
    assert (entry.rows, entry.start, entry.end) == (len(frame), frame["timestamp"].min(), frame["timestamp"].max())
    if entry.kind == "bars":
        assert entry.symbols == tuple(frame["symbol"].unique())
        assert entry.series == ()
    else:
        assert entry.symbols == ()
        for series in entry.series:
            stamps = frame.loc[frame["series"] == series.name, "timestamp"]
            assert (series.rows, series.start, series.end) == (len(stamps), stamps.min(), stamps.max())
        assert {s.name for s in entry.series} == set(frame["series"])


def test_catalog_json_round_trips_through_the_dataclasses() -> None:
    raw = json.loads(BUNDLED_DIR.joinpath("catalog.json").read_text(encoding="utf-8"))
    assert [BundledSet.from_dict(entry).to_dict() for entry in raw["sets"]] == raw["sets"]


def test_every_file_in_the_folder_is_catalogued() -> None:
    on_disk = {item.name for item in BUNDLED_DIR.iterdir() if item.name.endswith(".parquet")}
    assert on_disk == {entry.file for entry in list_bundled()}


def test_provenance_is_recorded_and_no_source_is_agpl() -> None:
    for entry in list_bundled():
        assert entry.sources, entry.name
        for source in entry.sources:
            assert len(source.wheel_sha256) == 64 and source.version and source.original_provider and source.files
            assert "AGPL" not in source.licence.upper()
    assert get_bundled("us_ohlcv").licence == "NCSA AND MIT"


def test_parquet_files_are_compact() -> None:
    total = sum(len(BUNDLED_DIR.joinpath(entry.file).read_bytes()) for entry in list_bundled())
    assert total < 3 * 1024 * 1024


def test_sp500_holds_20_stocks_and_the_index_with_8313_days_each() -> None:
    frame = load("sp500")
    assert frame.columns.tolist() == ["symbol", "timestamp", "close"]
    counts = frame.groupby("symbol").size()
    assert sorted(counts.index) == sorted([*SP500_STOCKS, "SP500"])
    assert (counts == 8313).all()
    # 1990-01-02 is winter (16:00 EST = 21:00 UTC).
    assert (frame["timestamp"].min(), frame["timestamp"].max()) == (utc("1990-01-02 21:00"), utc("2022-12-28 21:00"))
    assert value_at(frame, "symbol", "AAPL", utc("1990-01-02 21:00"), "close") == 0.264
    assert value_at(frame, "symbol", "SP500", utc("2022-12-28 21:00"), "close") == 3783.22


def test_us_ohlcv_holds_the_indices_and_msft() -> None:
    frame = load("us_ohlcv")
    assert frame.columns.tolist() == ["symbol", "timestamp", "open", "high", "low", "close", "volume"]
    assert frame.groupby("symbol").size().to_dict() == {"MSFT": 7983, "NASDAQ": 5031, "SP500": 5031}
    first_sp500 = frame[frame["symbol"] == "SP500"].iloc[0]
    assert first_sp500["timestamp"] == utc("1999-01-04 21:00")
    assert (first_sp500["open"], first_sp500["close"], first_sp500["volume"]) == (1229.22998, 1228.099976, 877e6)
    # In summer the 16:00 New York close is 20:00 UTC.
    assert value_at(frame, "symbol", "SP500", utc("2018-07-02 20:00"), "close") > 0
    last_msft = frame[frame["symbol"] == "MSFT"].iloc[-1]
    assert (last_msft["timestamp"], last_msft["close"]) == (utc("2017-11-10 21:00"), 83.87)


@pytest.mark.parametrize("name", ["sp500", "us_ohlcv"])
def test_daily_us_bars_end_at_the_new_york_close(name: str) -> None:
    stamps = load(name)["timestamp"]
    local = stamps.dt.tz_convert("America/New_York")
    assert (local.dt.hour == 16).all() and (local.dt.minute == 0).all()


def test_eurusd_bars_are_stamped_at_open_plus_one_hour() -> None:
    frame = load("eurusd_1h")
    assert len(frame) == 6225 and set(frame["symbol"]) == {"EURUSD"}
    first = frame.iloc[0]
    # Source: "01.01.2017 22:00:00.000" (bar open, GMT), O 1.05236 H 1.05253 L 1.05221 C 1.05227.
    assert first["timestamp"] == utc("2017-01-01 23:00")
    assert (first["open"], first["high"], first["low"], first["close"]) == (1.05236, 1.05253, 1.05221, 1.05227)
    assert frame["timestamp"].iloc[-1] == utc("2017-12-29 22:00")
    assert (frame["timestamp"].dt.minute == 0).all()
    assert (frame["timestamp"].diff().dropna() >= pd.Timedelta(hours=1)).all()


def test_macro_holds_the_documented_series_at_observation_midnight() -> None:
    frame = load("macro")
    assert frame.groupby("series").size().to_dict() == MACRO_ROWS
    assert (frame["timestamp"] == frame["timestamp"].dt.normalize()).all()
    assert value_at(frame, "series", "core_cpi", utc("2018-11-01"), "value") == 259.481
    assert value_at(frame, "series", "aaa", utc("1919-01-01"), "value") == 5.35
    # zipline stores yields as fractions (0.0794); the set stores percent like aaa/baa.
    assert value_at(frame, "series", "treasury_10y", utc("1990-01-02"), "value") == 7.94


def test_macro_timing_is_conservative() -> None:
    """A value is never used before its period is over, and staleness spans the usual gaps."""
    frame = load("macro")
    for series in get_bundled("macro").series:
        minimum_lag = pd.Timedelta(days=31) if series.frequency == "1mo" else pd.Timedelta(days=1)
        assert series.publication_lag >= minimum_lag, series.name
        gaps = frame.loc[frame["series"] == series.name, "timestamp"].diff().dropna()
        assert gaps.quantile(0.99) <= series.max_staleness, series.name
    assert get_bundled("macro").get_series("core_cpi").publication_lag >= pd.Timedelta(days=45)


def test_unknown_set_name_suggests_the_closest() -> None:
    with pytest.raises(InputError, match=r"did you mean 'sp500'.*eurusd_1h, macro, sp500, us_ohlcv") as caught:
        load_bundled("sp50")
    assert caught.value.exit_code == 2


def test_unknown_macro_series_suggests_the_closest() -> None:
    with pytest.raises(InputError, match="did you mean 'vix'"):
        get_bundled("macro").get_series("vixx")


# --- the build script's conversions ------------------------------------------------------

@cache
def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_bundled_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_session_close_follows_daylight_saving() -> None:
    stamps = build_script().us_session_close(pd.Series(["2020-01-15", "2020-07-15"]), "%Y-%m-%d")
    assert stamps.tolist() == [utc("2020-01-15 21:00"), utc("2020-07-15 20:00")]
    assert str(stamps.dtype) == TIMESTAMP_DTYPE


def test_drop_bad_bars_removes_and_counts_broken_rows() -> None:
    frame = pd.DataFrame({
        "symbol": ["A"] * 4,
        "timestamp": pd.date_range("2020-01-01", periods=4, freq="D", tz="UTC"),
        "open": [10.0, np.nan, 10.0, 10.0], "high": [11.0, 11.0, 9.0, 11.0],
        "low": [9.0, 9.0, 8.0, 9.0], "close": [10.5, 10.5, 8.5, 10.5], "volume": [0.0, 5.0, 5.0, -1.0],
    })
    kept, notes = build_script().drop_bad_bars(frame)
    assert kept["timestamp"].tolist() == [frame["timestamp"].iloc[0]]
    assert notes == ["A: dropped 3 source row(s) (1 missing or non-positive price, 1 missing or negative volume, "
                     "1 high/low not containing open/close)"]


def test_adjusted_close_rescales_the_whole_bar() -> None:
    raw = pd.DataFrame({"Open": ["20"], "High": ["22"], "Low": ["18"], "Close": ["21"], "Adj Close": ["10.5"],
                        "Volume": ["100"]})
    bars = build_script().ohlcv_from_source(raw, "X", pd.Series([utc("2020-01-02 21:00")]))
    assert bars[["open", "high", "low", "close", "volume"]].iloc[0].tolist() == [10.0, 11.0, 9.0, 10.5, 100.0]
