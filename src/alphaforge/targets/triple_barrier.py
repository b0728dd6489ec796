"""Triple-barrier labels: profit-take, stop-loss and a vertical (time) barrier.

``tb_{h}_{pt}_{sl}[_{events}[_{vertical}[_{vol_window}[_{min_target}]]]]``, defaults
``events=all``, ``vertical=sign``, ``vol_window=20``, ``min_target=0.0``:

- the vertical barrier h is a number of bars (``24``: bar t+24) or a calendar duration
  (``5D``, ``36h``, ``90min``, ``30s``; a D is 24 hours, weekends included): the last bar at or
  before t + h. Over a gap in the bars a duration's path holds fewer bars and ends at the last
  bar before the gap;
- target width w_t = sigma_t * sqrt(n), sigma_t the rolling volatility of one-bar log returns
  over ``vol_window`` bars, known at t, and n the bars on the path (h for a bar count); barriers
  sit at log returns +pt * w_t (upper) and -sl * w_t (lower); pt = 0 or sl = 0 removes that
  barrier;
- the path is the close-to-close log return from bar t to each bar up to the vertical barrier;
  barriers are checked on closes (intrabar highs/lows are not used, which avoids bars that
  touch both);
- label at the first touch: +1 upper, -1 lower; if neither is touched by the vertical-barrier
  bar the label is the sign of the return there (``vertical=sign``, 0 if it is exactly 0) or 0
  (``vertical=zero``);
- ``t1`` is the touching bar's timestamp, or the vertical-barrier bar's;
- only event bars get labels (see :mod:`alphaforge.targets.events`; ``given`` labels the bars
  of a user-given events table), only where w_t > ``min_target`` (so flat prices, w = 0,
  never get one), and only where the data reaches the vertical barrier (bar t+h exists, or a
  bar at or after t + duration does) with at least one bar after t on the path.
"""

from __future__ import annotations

import re
from datetime import timedelta

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.targets._core import (
    NO_POSITION,
    Labels,
    chunk_rows,
    first_crossing,
    horizon_positions,
    label_per_symbol,
    rolling_volatility,
    utc_nanoseconds,
)
from alphaforge.targets.events import GIVEN, event_mask, given_event_times, parse_event_filter

VERTICAL_CHOICES = ("sign", "zero")
HORIZON_HELP = "bars ahead (an integer >= 1) or a duration: 5D, 36h, 90min, 30s (D = 24 hours)"
_DURATION = re.compile(r"^(\d+)(d|h|min|s)$", re.IGNORECASE)
_UNITS = {"d": ("D", 86_400), "h": ("h", 3_600), "min": ("min", 60), "s": ("s", 1)}  # largest first


def horizon(text: str | int) -> int | str:
    """A vertical barrier from its text in a target name: bars ahead (``24`` -> 24) or a duration,
    canonical in its largest whole unit (``48h`` -> ``'2D'``, ``90min`` stays).

    Anything else raises ValueError, which the name parser reports with :data:`HORIZON_HELP`.

    >>> horizon("24"), horizon("48h"), horizon("90min")
    (24, '2D', '90min')
    """
    if isinstance(text, (int, np.integer)) or str(text).isdigit():
        bars = int(text)
        if bars < 1:
            raise ValueError(f"horizon {text!r} is below 1 bar")
        return bars
    match = _DURATION.match(str(text))
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"horizon {text!r} is neither a number of bars nor a duration")
    seconds = int(match.group(1)) * _UNITS[match.group(2).lower()][1]
    unit, size = next(unit for unit in _UNITS.values() if seconds % unit[1] == 0)
    return f"{seconds // size}{unit}"


def _vertical_barrier(value: int | str | timedelta | np.timedelta64) -> int | np.timedelta64:
    """Bars ahead (int) or a positive duration (``timedelta64[ns]``), from any horizon a caller gives."""
    if isinstance(value, (timedelta, np.timedelta64)):  # pd.Timedelta is a timedelta
        duration = pd.Timedelta(value)
        if duration <= pd.Timedelta(0):
            raise InputError(f"horizon {value!r} is not a positive duration", where="tb", fix=HORIZON_HELP)
        return duration.to_timedelta64()
    try:
        parsed = horizon(value)
    except ValueError as error:
        raise InputError(str(error), where="tb", fix=HORIZON_HELP) from None
    return parsed if isinstance(parsed, int) else pd.Timedelta(parsed).to_timedelta64()


def barrier_positions(stamps: np.ndarray, barrier: int | np.timedelta64) -> np.ndarray:
    """Per row, the position of its vertical-barrier bar: t + ``barrier`` bars, or the last bar at
    or before t + ``barrier`` (a duration). NO_POSITION where the data ends before the barrier,
    or where no bar follows t within it."""
    if isinstance(barrier, int):
        return horizon_positions(len(stamps), barrier)
    ends = stamps + barrier
    last = np.searchsorted(stamps, ends, side="right") - 1
    known = (ends <= stamps[-1]) & (last > np.arange(len(stamps)))
    return np.where(known, last, NO_POSITION)


def triple_barrier(bars: pd.DataFrame, horizon: int | str | timedelta, profit_take: float, stop_loss: float,
                   events: str | pd.DataFrame = "all", vertical: str = "sign", vol_window: int = 20,
                   min_target: float = 0.0) -> Labels:
    """First-touch triple-barrier label in {-1, 0, +1} (see the module docstring).

    ``horizon`` is bars ahead or a duration (``"5D"``, ``pd.Timedelta(hours=36)``); ``events`` an
    event filter (``"all"``, ``"cusum0.02"``, ...) or a table of events (``symbol``,
    ``timestamp``) whose bars alone get labels::

        labels = triple_barrier(bars, "5D", 2.0, 1.0, events=my_events)
        labels.values, labels.t1   # aligned with the rows of bars
    """
    if vertical not in VERTICAL_CHOICES:
        raise InputError(f"unknown vertical-barrier rule {vertical!r}", where="tb",
                         fix=f"use one of {list(VERTICAL_CHOICES)}")
    if profit_take < 0 or stop_loss < 0:
        raise InputError(f"barrier multiples must be >= 0, got pt={profit_take}, sl={stop_loss}",
                         where="tb", fix="use 0 to remove a barrier, a positive multiple otherwise")
    barrier = _vertical_barrier(horizon)
    if isinstance(events, pd.DataFrame):
        given, event_filter = given_event_times(bars, events), None
    else:
        given, event_filter = None, parse_event_filter(events)
        if event_filter.kind == GIVEN:
            raise InputError("events='given' names no events", where="tb",
                             fix="pass the events table itself: events=<frame with symbol, timestamp>")

    def labeler(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        close = part["close"].to_numpy(dtype="float64")
        log_close = np.log(close)
        volatility = rolling_volatility(close, vol_window)
        stamps = utc_nanoseconds(part["timestamp"])
        ends = barrier_positions(stamps, barrier)
        reached = ends != NO_POSITION
        lengths = np.where(reached, ends - np.arange(len(close)), 0)  # bars on each path
        width = volatility * np.sqrt(np.where(reached, lengths, np.nan))
        if given is None:
            is_event = event_mask(event_filter, log_close, volatility)
        else:
            is_event = np.isin(stamps, given.get(str(part["symbol"].iloc[0]), stamps[:0]))
        starts = np.flatnonzero(is_event & (width > min_target) & reached)
        values = np.zeros(len(close))
        positions = np.full(len(close), NO_POSITION)
        for rows in chunk_rows(starts, int(lengths[starts].max(initial=1))):
            span = lengths[rows]
            # column j is bar t+1+j, held at the barrier bar past it (a repeat never touches first)
            cells = np.minimum(rows[:, None] + np.arange(1, span.max() + 1), ends[rows][:, None])
            paths = log_close[cells] - log_close[rows][:, None]
            up = first_crossing(paths, profit_take * width[rows], above=True) if profit_take > 0 else span
            down = first_crossing(paths, -stop_loss * width[rows], above=False) if stop_loss > 0 else span
            up = np.where(up == NO_POSITION, span, up)
            down = np.where(down == NO_POSITION, span, down)
            final = log_close[ends[rows]] - log_close[rows]
            at_vertical = np.sign(final) if vertical == "sign" else np.zeros(len(rows))
            values[rows] = np.where(up < down, 1.0, np.where(down < up, -1.0, at_vertical))
            positions[rows] = rows + 1 + np.minimum(np.minimum(up, down), span - 1)
        return values, positions

    return label_per_symbol(bars, labeler)
