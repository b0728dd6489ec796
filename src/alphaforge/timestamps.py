"""User-given dates and times as UTC timestamps: the one parser every option and argument uses."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from alphaforge.errors import InputError

DateLike = str | datetime | pd.Timestamp


def to_utc(value: DateLike, parameter: str) -> pd.Timestamp:
    """Parse a date or timestamp; naive values are taken as UTC (the workspace's time zone).
    A value that is not a date is an :class:`InputError` naming ``parameter``."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise InputError(f"{parameter} {value!r} is not a date", where=parameter,
                         fix="use an ISO-8601 date or time, e.g. 2021-01-01 or 2021-01-01T12:00Z")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
