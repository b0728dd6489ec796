"""The download window: user-given start/end dates as UTC timestamps, checked once."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from alphaforge.errors import InputError

DateLike = str | datetime | pd.Timestamp


def to_utc(value: DateLike, parameter: str) -> pd.Timestamp:
    """Parse a date or timestamp; naive values are taken as UTC (the workspace's time zone)."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise InputError(f"{parameter} {value!r} is not a date", where=parameter,
                         fix="use an ISO-8601 date or time, e.g. 2021-01-01 or 2021-01-01T12:00Z")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def resolve_now(now: DateLike | None) -> pd.Timestamp:
    """The clock the download runs against: ``now`` when given (tests pin it), else the real UTC time."""
    return to_utc(now, "now") if now is not None else pd.Timestamp.now(tz="UTC")


def download_window(start: DateLike, end: DateLike | None, now: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(start, end)`` in UTC; ``end`` defaults to ``now`` and must come after ``start``."""
    first = to_utc(start, "start")
    last = to_utc(end, "end") if end is not None else now
    if last <= first:
        raise InputError(f"end {last} is not after start {first}", where="end",
                         fix="pass an --end later than --start, or leave --end out to download up to now")
    return first, last


def to_milliseconds(stamp: pd.Timestamp) -> int:
    """Unix epoch milliseconds, the unit exchange APIs use."""
    return int(stamp.value // 1_000_000)
