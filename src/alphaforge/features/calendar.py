"""Calendar features from the bar timestamp (UTC): hour of day and day of week as cyclical
sine/cosine pairs, so 23:00 sits next to 00:00 and Sunday next to Monday.
"""

from __future__ import annotations

import numpy as np

from alphaforge.features.registry import register

_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_DAY = 24 * _NS_PER_HOUR


def _hour_angle(timestamp: np.ndarray) -> np.ndarray:
    hours = (timestamp // _NS_PER_HOUR) % 24 + (timestamp % _NS_PER_HOUR) / _NS_PER_HOUR
    return 2.0 * np.pi * hours / 24.0


def _weekday_angle(timestamp: np.ndarray) -> np.ndarray:
    weekday = (timestamp // _NS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    return 2.0 * np.pi * weekday / 7.0


def hour_sin(timestamp: np.ndarray) -> np.ndarray:
    """sin of the UTC time of day (in hours) on a 24-hour circle."""
    return np.sin(_hour_angle(timestamp))


def hour_cos(timestamp: np.ndarray) -> np.ndarray:
    """cos of the UTC time of day (in hours) on a 24-hour circle."""
    return np.cos(_hour_angle(timestamp))


def weekday_sin(timestamp: np.ndarray) -> np.ndarray:
    """sin of the UTC day of week on a 7-day circle."""
    return np.sin(_weekday_angle(timestamp))


def weekday_cos(timestamp: np.ndarray) -> np.ndarray:
    """cos of the UTC day of week on a 7-day circle."""
    return np.cos(_weekday_angle(timestamp))


register(hour_sin, name="cal_hour_sin", lookback=0, description="hour of day (UTC), sine")
register(hour_cos, name="cal_hour_cos", lookback=0, description="hour of day (UTC), cosine")
register(weekday_sin, name="cal_dow_sin", lookback=0, description="day of week (UTC), sine")
register(weekday_cos, name="cal_dow_cos", lookback=0, description="day of week (UTC), cosine")
