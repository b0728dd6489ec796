"""Calendar features from the bar timestamp (UTC): hour of day and day of week as cyclical
sine/cosine pairs, so 23:00 sits next to 00:00 and Sunday next to Monday.
"""

from __future__ import annotations

import numpy as np

from alphaforge.features._memo import shared
from alphaforge.features.registry import register

_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_DAY = 24 * _NS_PER_HOUR


def _on_circle(position: np.ndarray, period: int) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of ``position`` on a circle of ``period``: of the angle 2 pi position / period."""
    angle = 2.0 * np.pi * position / period
    return np.sin(angle), np.cos(angle)


def _on_circle_at(step: np.ndarray, period: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_on_circle` of integer positions 0 .. period - 1, looked up in the ``period`` values:
    sin and cos are functions of each value alone, so the bits are those of the whole-array call."""
    sine, cosine = _on_circle(np.arange(period, dtype=np.float64), period)
    return sine[step], cosine[step]


@shared
def _hour_circle(timestamp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of the UTC time of day (in hours) on a 24-hour circle, for both features."""
    whole = timestamp // _NS_PER_HOUR
    part = timestamp - whole * _NS_PER_HOUR  # timestamp % _NS_PER_HOUR (a division fewer)
    hour = whole - whole // 24 * 24  # whole % 24
    if part.any():  # bars off the hour
        return _on_circle(hour + part / _NS_PER_HOUR, 24)
    return _on_circle_at(hour, 24)


@shared
def _weekday_circle(timestamp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of the UTC day of week on a 7-day circle, for both features."""
    day = timestamp // _NS_PER_DAY + 3  # 1970-01-01 was a Thursday; Monday is 0
    return _on_circle_at(day - day // 7 * 7, 7)


def hour_sin(timestamp: np.ndarray) -> np.ndarray:
    """sin of the UTC time of day (in hours) on a 24-hour circle."""
    return _hour_circle(timestamp)[0]


def hour_cos(timestamp: np.ndarray) -> np.ndarray:
    """cos of the UTC time of day (in hours) on a 24-hour circle."""
    return _hour_circle(timestamp)[1]


def weekday_sin(timestamp: np.ndarray) -> np.ndarray:
    """sin of the UTC day of week on a 7-day circle."""
    return _weekday_circle(timestamp)[0]


def weekday_cos(timestamp: np.ndarray) -> np.ndarray:
    """cos of the UTC day of week on a 7-day circle."""
    return _weekday_circle(timestamp)[1]


register(hour_sin, name="cal_hour_sin", lookback=0, description="hour of day (UTC), sine")
register(hour_cos, name="cal_hour_cos", lookback=0, description="hour of day (UTC), cosine")
register(weekday_sin, name="cal_dow_sin", lookback=0, description="day of week (UTC), sine")
register(weekday_cos, name="cal_dow_cos", lookback=0, description="day of week (UTC), cosine")
