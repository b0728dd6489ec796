"""Timestamps: the one parser of user-given dates and times (as UTC) and of durations, and the bar
frequency a run of timestamps implies (shared by the backtest's annualisation and validation's baselines)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from alphaforge.errors import InputError

if TYPE_CHECKING:  # pandas loads on first use: the CLI's help and version never need it
    import numpy as np
    import pandas as pd

DateLike = str | datetime
"""A date or time as users give one (``pandas.Timestamp`` is a ``datetime``)."""

_YEAR_SECONDS = 365.25 * 86_400.0


def to_utc(value: DateLike, parameter: str) -> pd.Timestamp:
    """Parse a date or timestamp; naive values are taken as UTC (the workspace's time zone).
    A value that is not a date is an :class:`InputError` naming ``parameter``."""
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise InputError(f"{parameter} {value!r} is not a date", where=parameter,
                         fix="use an ISO-8601 date or time, e.g. 2021-01-01 or 2021-01-01T12:00Z")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def to_duration(value: str | pd.Timedelta, parameter: str) -> pd.Timedelta:
    """Parse a duration ('1h', '15min', '1D', '36 hours'); one that is not a duration is an
    :class:`InputError` naming ``parameter``.

    >>> to_duration("36h", "--interval")
    Timedelta('1 days 12:00:00')
    """
    import pandas as pd

    try:
        delta = pd.Timedelta(value)
    except (ValueError, TypeError):
        delta = pd.NaT
    if pd.isna(delta):
        raise InputError(f"{parameter} {value!r} is not a duration", where=parameter,
                         fix="use a pandas duration, e.g. 1h, 15min, 1D or 36h")
    return delta


def naive_utc(values: pd.Series | pd.Index) -> np.ndarray:
    """Times as tz-naive UTC ``datetime64[ns]`` values (zoned ones converted, naive ones taken as UTC):
    what label spans compare, and what matplotlib converts in one vectorised step where it turns
    zoned timestamps into Python datetimes one by one (2.1 s of the tear sheet's charts and 1.3 s
    of the backtest's and predictions' at 1 M rows).

    >>> import pandas as pd
    >>> naive_utc(pd.Series(pd.to_datetime(["2024-01-02 10:00"]).tz_localize("America/New_York")))
    array(['2024-01-02T15:00:00.000000000'], dtype='datetime64[ns]')
    """
    import pandas as pd

    stamps = pd.DatetimeIndex(values)
    return (stamps.tz_convert("UTC").tz_localize(None) if stamps.tz is not None else stamps).to_numpy("datetime64[ns]")


def infer_periods_per_year(timestamps: pd.DatetimeIndex) -> float:
    """Bars per year implied by the timestamps: (bars - 1) / years spanned (~252 for stock
    days, ~8766 for 24/7 hours).

    >>> import pandas as pd
    >>> round(infer_periods_per_year(pd.date_range("2021-01-01", periods=8767, freq="h")))
    8766
    """
    if len(timestamps) < 2:
        raise InputError(f"need at least 2 bars, got {len(timestamps)}", where="bars",
                         fix="pass a longer range of bars")
    span = (timestamps[-1] - timestamps[0]).total_seconds() / _YEAR_SECONDS
    return (len(timestamps) - 1) / span
