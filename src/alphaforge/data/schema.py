"""The canonical bar and macro schemas, and the validation every import goes through.

Bars are a long table, one row per (symbol, timestamp), sorted by symbol then time:
``symbol`` (str), ``timestamp`` (UTC, tz-aware, the bar's *end*: values are known then),
``open``, ``high``, ``low``, ``close``, ``volume`` (float64). Close-only data is valid: the
columns ``open``/``high``/``low``/``volume`` may be absent, and features that need them are
skipped later. Macro series are a long table ``series``, ``timestamp``, ``value``.

Validation either returns a clean frame or raises :class:`InputError` naming the source,
the column and the first offending row, with the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphaforge.errors import InputError

KEY_COLUMNS = ("symbol", "timestamp")
PRICE_COLUMNS = ("open", "high", "low", "close")
VALUE_COLUMNS = (*PRICE_COLUMNS, "volume")
BAR_COLUMNS = (*KEY_COLUMNS, *VALUE_COLUMNS)
REQUIRED_BAR_COLUMNS = ("symbol", "timestamp", "close")
MACRO_COLUMNS = ("series", "timestamp", "value")
KEY_COLUMN = {"bars": "symbol", "macro": "series"}  # per dataset kind, the column naming a row's key
TIMESTAMP_DTYPE = "datetime64[ns, UTC]"


@dataclass
class ValidationReport:
    """What validation changed or noticed without rejecting the data."""

    sorted_rows: bool = False
    dropped_duplicates: int = 0
    notices: list[str] = field(default_factory=list)


def _row_label(df: pd.DataFrame, position: int) -> str:
    """Human row reference: the frame's index label (importers set it to the file's line number)
    plus the row's key."""
    row = df.iloc[position]
    key = [f"{c}={row[c]}" for c in ("symbol", "series", "timestamp") if c in df.columns]
    return f"row {df.index[position]} ({', '.join(key)})" if key else f"row {df.index[position]}"


def _first_bad(mask: np.ndarray | pd.Series) -> int | None:
    """Position of the first True in a boolean mask, or None."""
    hits = np.flatnonzero(np.asarray(mask))
    return int(hits[0]) if hits.size else None


def _require_columns(df: pd.DataFrame, required: tuple[str, ...], source: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"missing column(s) {missing}; found {list(df.columns)}",
            where=source,
            fix="rename the columns, or map them with --column NAME=SOURCE_COLUMN (e.g. --column close=Close)",
        )


def _coerce_timestamps(df: pd.DataFrame, source: str) -> pd.Series:
    """Timestamps as tz-aware UTC; naive ones are an error (the importer applies --tz first)."""
    ts = df["timestamp"]
    if ts.dtype == TIMESTAMP_DTYPE:
        return ts
    if not (pd.api.types.is_datetime64_any_dtype(ts)):
        try:
            ts = pd.to_datetime(ts, utc=False, format="mixed")
        except (ValueError, TypeError) as exc:
            bad = _first_bad(pd.to_datetime(df["timestamp"], errors="coerce", format="mixed").isna())
            where = f"{source}, column 'timestamp', {_row_label(df, bad)}" if bad is not None else source
            raise InputError(f"unparseable timestamp: {exc}", where=where,
                             fix="use ISO-8601 timestamps, e.g. 2021-01-01T00:00:00Z") from None
    if getattr(ts.dt, "tz", None) is None:
        raise InputError(
            "timestamps have no time zone",
            where=f"{source}, column 'timestamp'",
            fix="pass --tz (e.g. --tz UTC or --tz America/New_York) to say which zone they are in",
        )
    bad = _first_bad(ts.isna())
    if bad is not None:
        raise InputError("missing timestamp", where=f"{source}, column 'timestamp', {_row_label(df, bad)}",
                         fix="remove the row or fill in its timestamp")
    utc = ts.dt.tz_convert("UTC")
    bad = _first_bad((utc < pd.Timestamp.min.tz_localize("UTC")) | (utc > pd.Timestamp.max.tz_localize("UTC")))
    if bad is not None:  # times are nanoseconds since 1970 in int64: years 1677 to 2262
        raise InputError(f"timestamp {utc.iloc[bad]} is outside the years {pd.Timestamp.min.year + 1}-"
                         f"{pd.Timestamp.max.year - 1} that nanosecond times can hold",
                         where=f"{source}, column 'timestamp', row {df.index[bad]}",
                         fix="repair or drop the row (a placeholder date such as 9999-12-31 is not a bar time)")
    return utc.astype(TIMESTAMP_DTYPE)


def _coerce_numeric(df: pd.DataFrame, column: str, source: str) -> pd.Series:
    values = df[column]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        converted = pd.to_numeric(values, errors="coerce")
        bad = _first_bad(converted.isna() & values.notna())
        if bad is not None:
            raise InputError(
                f"non-numeric value {values.iloc[bad]!r}",
                where=f"{source}, column '{column}', {_row_label(df, bad)}",
                fix="clean the value or drop the row; numbers must use '.' as the decimal point",
            )
        values = converted
    return values.astype("float64")


def _check_finite_positive(df: pd.DataFrame, column: str, source: str, *, allow_zero: bool) -> None:
    values = df[column].to_numpy()
    bad = _first_bad(~np.isfinite(values))
    if bad is not None:
        raise InputError(
            f"{'NaN' if np.isnan(values[bad]) else 'infinite'} {column}",
            where=f"{source}, column '{column}', {_row_label(df, bad)}",
            fix="drop or repair the row; AlphaForge never fills prices silently",
        )
    bad = _first_bad(values < 0 if allow_zero else values <= 0)
    if bad is not None:
        kind = "negative" if allow_zero else "non-positive"
        raise InputError(f"{kind} {column} {values[bad]!r}",
                         where=f"{source}, column '{column}', {_row_label(df, bad)}",
                         fix="prices must be > 0 and volume >= 0; repair or drop the row")


def _check_ohlc_consistency(df: pd.DataFrame, source: str) -> None:
    high, low = df["high"].to_numpy(), df["low"].to_numpy()
    for column in ("open", "close"):
        other = df[column].to_numpy()
        bad = _first_bad(high < other)
        if bad is not None:
            raise InputError(f"high {high[bad]!r} is below {column} {other[bad]!r}",
                             where=f"{source}, column 'high', {_row_label(df, bad)}",
                             fix="check the column mapping (--column high=...) or repair the row")
        bad = _first_bad(low > other)
        if bad is not None:
            raise InputError(f"low {low[bad]!r} is above {column} {other[bad]!r}",
                             where=f"{source}, column 'low', {_row_label(df, bad)}",
                             fix="check the column mapping (--column low=...) or repair the row")


def _key_codes(df: pd.DataFrame, column: str, source: str) -> np.ndarray:
    """Sorted integer codes of a key column (symbol/series); an empty key is an error."""
    fix = f"fill in the {column}, or pass --symbol NAME for a single-symbol file"
    bad = _first_bad(df[column].isna())
    if bad is not None:
        raise InputError(f"empty {column}", where=f"{source}, column '{column}', {_row_label(df, bad)}", fix=fix)
    codes, uniques = pd.factorize(df[column].astype(str), sort=True)
    for code, value in enumerate(uniques):
        if not str(value).strip() or value in ("nan", "None"):
            bad = int(np.flatnonzero(codes == code)[0])
            raise InputError(f"empty {column}", where=f"{source}, column '{column}', {_row_label(df, bad)}",
                             fix=fix)
        if not str(value).isprintable():  # a NUL or other control character: invisible when printed
            bad = int(np.flatnonzero(codes == code)[0])
            raise InputError(f"{column} {value!r} holds a control or invisible character",
                             where=f"{source}, column '{column}', row {df.index[bad]}",
                             fix=f"clean the {column} in the source (printable characters only) and import again")
    return codes


def _sort_and_dedupe(df: pd.DataFrame, keys: list[str], source: str,
                     report: ValidationReport) -> pd.DataFrame:
    """Sort by (key, timestamp); drop exact duplicate rows; reject conflicting duplicates.

    Works on integer codes (factorised keys, nanosecond times) so 1 M rows take milliseconds
    when already sorted, the common case.
    """
    codes = _key_codes(df, keys[0], source)
    times = timestamp_ns(df["timestamp"])
    d_code, d_time = np.diff(codes), np.diff(times)
    if ((d_code < 0) | ((d_code == 0) & (d_time < 0))).any():
        order = np.lexsort((times, codes))
        df = df.iloc[order]
        codes, times = codes[order], times[order]
        d_code, d_time = np.diff(codes), np.diff(times)
        report.sorted_rows = True
        report.notices.append(f"{source}: rows were not sorted by {'/'.join(keys)}; sorted them")
    repeats = np.flatnonzero((d_code == 0) & (d_time == 0)) + 1  # row i repeats the key of row i - 1
    if repeats.size:
        value_cols = [c for c in df.columns if c not in keys]
        values = df[value_cols].to_numpy(dtype="float64")
        now, before = values[repeats], values[repeats - 1]
        same = np.all((now == before) | (np.isnan(now) & np.isnan(before)), axis=1)
        if not same.all():
            row = int(repeats[np.flatnonzero(~same)[0]])
            raise InputError(
                "conflicting duplicate rows: the same key has different values",
                where=f"{source}, {_row_label(df, row)}",
                fix="keep one row per key (e.g. de-duplicate in the source) and import again",
            )
        report.dropped_duplicates = int(repeats.size)
        report.notices.append(f"{source}: dropped {repeats.size} exact duplicate row(s)")
        keep = np.ones(len(df), dtype=bool)
        keep[repeats] = False
        df = df[keep]
    return df


def validate_bars(df: pd.DataFrame, source: str = "bars") -> tuple[pd.DataFrame, ValidationReport]:
    """Check and normalise bars to the canonical schema.

    ``source`` names the file or dataset in error messages, and the frame's index labels name
    rows (importers set them to file line numbers). The result has a fresh RangeIndex.

    >>> bars = pd.DataFrame({"symbol": ["A"], "timestamp": [pd.Timestamp("2021-01-01", tz="UTC")],
    ...                      "close": [10.0]})
    >>> validate_bars(bars)[0].columns.tolist()
    ['symbol', 'timestamp', 'close']
    """
    report = ValidationReport()
    if len(df) == 0:
        raise InputError("no rows", where=source, fix="check the file is not empty and the filters keep some rows")
    _require_columns(df, REQUIRED_BAR_COLUMNS, source)
    present_prices = [c for c in ("open", "high", "low") if c in df.columns]
    if present_prices and len(present_prices) < 3:
        missing = sorted(set(("open", "high", "low")) - set(present_prices))
        raise InputError(f"partial OHLC: has {present_prices} but not {missing}", where=source,
                         fix="provide open, high and low together, or only close (close-only data)")
    df = df.copy(deep=False)
    if not pd.api.types.is_string_dtype(df["symbol"]):
        df["symbol"] = df["symbol"].astype(str)
    df["timestamp"] = _coerce_timestamps(df, source)
    value_cols = [c for c in VALUE_COLUMNS if c in df.columns]
    for column in value_cols:
        df[column] = _coerce_numeric(df, column, source)
    for column in value_cols:
        _check_finite_positive(df, column, source, allow_zero=(column == "volume"))
    if present_prices:
        _check_ohlc_consistency(df, source)
    df = _sort_and_dedupe(df, list(KEY_COLUMNS), source, report)
    ordered = [c for c in BAR_COLUMNS if c in df.columns]
    return df[ordered].reset_index(drop=True), report


def validate_macro(df: pd.DataFrame, source: str = "macro") -> tuple[pd.DataFrame, ValidationReport]:
    """Check and normalise macro observations (``series``, ``timestamp``, ``value``).

    Values may be NaN (a missing observation, e.g. a holiday) but not infinite.
    """
    report = ValidationReport()
    if len(df) == 0:
        raise InputError("no rows", where=source, fix="check the file is not empty")
    _require_columns(df, MACRO_COLUMNS, source)
    df = df.copy(deep=False)
    df["series"] = df["series"].astype(str)
    df["timestamp"] = _coerce_timestamps(df, source)
    df["value"] = _coerce_numeric(df, "value", source)
    bad = _first_bad(np.isinf(df["value"].to_numpy()))
    if bad is not None:
        raise InputError("infinite value", where=f"{source}, column 'value', {_row_label(df, bad)}",
                         fix="repair or drop the row")
    df = df.dropna(subset=["value"])
    df = _sort_and_dedupe(df, ["series", "timestamp"], source, report)
    return df[list(MACRO_COLUMNS)].reset_index(drop=True), report


def timestamp_ns(timestamps: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch (UTC) as int64, whatever the series' resolution or zone."""
    return timestamps.dt.tz_convert("UTC").dt.as_unit("ns").astype("int64").to_numpy()


def has_ohlc(bars: pd.DataFrame) -> bool:
    """True when the bars carry open/high/low (not close-only)."""
    return all(c in bars.columns for c in ("open", "high", "low"))


def key_positions(frame: pd.DataFrame, *, source: str,
                  fix: str) -> tuple[np.ndarray, pd.Index, np.ndarray, pd.Index]:
    """Where each row of a long (symbol, timestamp) ``frame`` sits among its sorted distinct
    timestamps and symbols: (timestamp codes, timestamps, symbol codes, symbols). A row without
    a symbol or timestamp, or a pair held twice, is an :class:`InputError` naming ``source``
    with ``fix``."""
    time, times = pd.factorize(frame["timestamp"], sort=True)
    symbol, symbols = pd.factorize(frame["symbol"], sort=True)
    if len(frame):
        if min(time.min(), symbol.min()) < 0:
            raise InputError("a row without a symbol or timestamp", where=source, fix=fix)
        if np.bincount(time * len(symbols) + symbol).max() > 1:
            raise InputError("a (symbol, timestamp) pair appears more than once (held twice)", where=source, fix=fix)
    return time, times, symbol, symbols


def wide_table(frame: pd.DataFrame, values: str, *, source: str = "bars") -> pd.DataFrame:
    """``frame``'s ``values`` as a timestamp x symbol float64 table (timestamps and symbols sorted,
    NaN where a symbol has no row): ``frame.pivot(index="timestamp", columns="symbol", values=...)``
    to the bit, placed by :func:`key_positions` instead of pandas' reshaping (0.3-0.4 s against
    0.07-0.10 s for the closes of 1 M bars)."""
    time, times, symbol, symbols = key_positions(frame, source=source, fix="keep one row per symbol and timestamp")
    table = np.full((len(times), len(symbols)), np.nan)
    table[time, symbol] = frame[values].to_numpy(dtype="float64")
    return pd.DataFrame(table, index=pd.Index(times, name="timestamp"), columns=pd.Index(symbols, name="symbol"))
