"""The download window: user-given start/end dates as UTC timestamps, checked once."""

from __future__ import annotations

import pandas as pd

from alphaforge.errors import InputError
from alphaforge.timestamps import DateLike, to_utc

__all__ = ["DateLike", "download_window", "resolve_now", "to_milliseconds", "to_utc"]


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
